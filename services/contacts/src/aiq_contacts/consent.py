"""Consent (DSGVO), per person and purpose, kept as a history. Plain Python, no I/O.

Every change is a :class:`ConsentRecord` (given or withdrawn, with source, time and the
version of the text agreed to); a person's current consents are what the latest record per
purpose says. ``invitations`` is what every invitation email checks (``email_consent``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aiq_shared.contracts.contacts import ConsentPurpose
from aiq_shared.errors import Unprocessable

PURPOSES: tuple[str, ...] = get_args(ConsentPurpose)
INVITATIONS = "invitations"
ConsentSource = Literal[
    "staff", "form", "double-opt-in", "unsubscribe-link", "import", "email", "phone"
]
StaffSource = Literal["staff", "form", "email", "phone"]


class ConsentChange(BaseModel):
    """Staff record a consent given or withdrawn (e.g. from a signed form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: ConsentPurpose
    granted: bool
    source: StaffSource = "staff"
    text_version: str | None = Field(
        default=None, max_length=40, description="Defaults to the current consent text"
    )
    recorded_by: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=500)


class DoubleOptInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose = "invitations"


class ConsentRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    person_id: str
    purpose: ConsentPurpose
    granted: bool
    source: str
    text_version: str | None = None
    recorded_at: AwareDatetime
    recorded_by: str | None = None
    note: str | None = None
    request_id: str | None = None


def current_consents(history: Iterable[ConsentRecord]) -> list[str]:
    """Purposes consented to now: the latest record per purpose decides."""
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(history, key=lambda r: (r.recorded_at, r.id)):
        latest[record.purpose] = record
    return [p for p in PURPOSES if p in latest and latest[p].granted]


def after_change(current: Iterable[str], purpose: str, granted: bool) -> list[str]:
    """The purposes consented to after one change, in a stable order."""
    now = set(current) - {purpose} | ({purpose} if granted else set())
    return [p for p in PURPOSES if p in now]


def require_consentable(email: str | None, kind: str, granted: bool) -> None:
    if not granted:
        return
    if not email:
        raise Unprocessable("consent to emails needs an email address")
    if kind == "student":
        raise Unprocessable("students are not emailed; consent is not recorded for them")


def record(
    record_id: str,
    person_id: str,
    purpose: str,
    granted: bool,
    source: str,
    text_version: str | None,
    at: datetime,
    **details: str | None,
) -> ConsentRecord:
    return ConsentRecord(
        id=record_id,
        person_id=person_id,
        purpose=purpose,  # type: ignore[arg-type]
        granted=granted,
        source=source,
        text_version=text_version,
        recorded_at=at,
        **details,  # type: ignore[arg-type]
    )
