"""The day as the API takes it (a check-in code, a walk-in, a table visit) and answers it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aiq_events.directory.rules import ParticipantKind
from aiq_events.registrations.schemas import Registration


class WalkInCreate(BaseModel):
    """Someone at the door without a seat: registered and checked in on the spot.

    Either a person known from contacts (``person_id``) or just a name and district.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: str | None = Field(default=None, max_length=64)
    first_name: str | None = Field(default=None, min_length=1, max_length=200)
    last_name: str | None = Field(default=None, min_length=1, max_length=200)
    district: str | None = Field(default=None, max_length=80)
    kind: ParticipantKind = "guest"
    topic_table_ids: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _someone(self) -> WalkInCreate:
        if self.person_id is None and not (self.first_name and self.last_name and self.district):
            raise ValueError("give person_id, or first_name, last_name and district")
        return self


class TableVisitCreate(BaseModel):
    """Attendance at a topic table in a round, by check-in code or registration id."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, max_length=100)
    registration_id: str | None = Field(default=None, max_length=64)
    topic_table_id: str = Field(max_length=64)
    round: int = Field(default=1, ge=1, le=10)

    @model_validator(mode="after")
    def _who(self) -> TableVisitCreate:
        if not (self.code or self.registration_id):
            raise ValueError("give code or registration_id")
        return self


class CheckInCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=100, description="From the QR code")


class CheckIn(BaseModel):
    registration: Registration
    already_checked_in: bool
