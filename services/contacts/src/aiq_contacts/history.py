"""Contact history: notes, calls, visits, meeting attendance and outcomes; follow-ups.
Plain Python, no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aiq_contacts.domain import IsoDate
from aiq_shared.errors import Unprocessable

InteractionKind = Literal["note", "call", "visit", "email", "meeting_attendance", "meeting_outcome"]
StaffInteractionKind = Literal["note", "call", "visit", "email"]
Attendance = Literal["registered", "checked_in", "no_show"]
FollowUpStatus = Literal["open", "done"]
FollowUpKind = str  # "internship_offer", "school_ag", "ambassador", "speed_week", ...
FOLLOW_UP_KINDS = (
    "internship_offer",
    "apprenticeship_offer",
    "school_ag",
    "ambassador",
    "speed_week",
    "visit",
    "call",
    "other",
)


class InteractionWrite(BaseModel):
    """Something staff did with an organisation or person: a note, a call, a visit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: StaffInteractionKind
    text: str = Field(min_length=1, max_length=5000)
    occurred_at: AwareDatetime | None = Field(default=None, description="Defaults to now")
    author: str | None = Field(default=None, max_length=120)
    person_id: str | None = Field(
        default=None, max_length=64, description="Who at the organisation (organisation routes)"
    )


class Interaction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: InteractionKind
    organisation_id: str | None = None
    person_id: str | None = None
    text: str | None = None
    occurred_at: AwareDatetime
    author: str | None = None
    meeting_id: str | None = None
    meeting_title: str | None = None
    attendance: Attendance | None = None
    source_id: str | None = None  # registration or outcome id, for events


class FollowUpWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: FollowUpKind = Field(pattern=r"^[a-z_]{1,40}$", examples=list(FOLLOW_UP_KINDS))
    title: str = Field(min_length=1, max_length=300)
    due: IsoDate | None = None
    owner: str | None = Field(default=None, max_length=120, description="Staff user name")
    organisation_id: str | None = Field(default=None, max_length=64)
    person_id: str | None = Field(default=None, max_length=64)


class FollowUp(FollowUpWrite):
    model_config = ConfigDict(extra="ignore")

    kind: str
    id: str
    status: FollowUpStatus = "open"
    created_at: AwareDatetime
    done_at: AwareDatetime | None = None
    meeting_id: str | None = None


def require_subject(organisation_id: str | None, person_id: str | None) -> None:
    if organisation_id is None and person_id is None:
        raise Unprocessable("a follow-up is about an organisation or a person (or both)")


def mark_done(follow_up: FollowUp, at: datetime) -> FollowUp:
    if follow_up.status == "done":
        return follow_up
    return follow_up.model_copy(update={"status": "done", "done_at": at})


def attendance_after(current: Attendance | None, change: Attendance) -> Attendance:
    """Registration events may arrive late: a check-in or no-show is not undone by a late
    'registered'."""
    if change == "registered" and current in ("checked_in", "no_show"):
        return current
    return change
