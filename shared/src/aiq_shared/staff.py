"""The programme's staff: who the Betriebsakquisiteur*innen are and which districts each serves.

Staff are data, like the districts (settings ``STAFF``, a JSON list, the same in every
service). An organisation's responsible officer (``officer``) is one of them by username; they
sign the emails to its people and receive the replies (``Reply-To``). A district's emails are
signed by the first officer listed for it when an organisation names nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class StaffMember(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    username: str = Field(min_length=1, max_length=120, description="The sign-in's ``sub``")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = None
    role: Literal["officer", "coordinator", "admin"] = "officer"
    districts: list[str] = []

    @property
    def sender_name(self) -> str:
        return f"{self.name} · Ausbildung im Quartier"


class Staff:
    """Look-ups over the configured staff list."""

    def __init__(self, members: Sequence[StaffMember]) -> None:
        self.members = list(members)
        self._by_username = {m.username: m for m in self.members}

    def __bool__(self) -> bool:
        return bool(self.members)

    def get(self, username: str | None) -> StaffMember | None:
        return self._by_username.get(username) if username else None

    def usernames(self) -> list[str]:
        return [m.username for m in self.members]

    def officer_of(self, district: str | None) -> StaffMember | None:
        """The first officer listed for ``district`` (who signs its emails by default)."""
        return next(
            (m for m in self.members if m.role == "officer" and district in m.districts), None
        )

    def signer(self, officer: str | None, district: str | None) -> StaffMember | None:
        """Who signs an email: the organisation's officer, else the district's first officer."""
        return self.get(officer) or self.officer_of(district)
