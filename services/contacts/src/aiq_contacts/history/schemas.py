"""Request and response models of the contact history: interactions (notes, calls, visits,
meeting attendance and outcomes), follow-ups, and where someone stands with each meeting."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aiq_contacts.fields import IsoDate, Moment

InteractionKind = Literal["note", "call", "visit", "email", "meeting_attendance", "meeting_outcome"]
StaffInteractionKind = Literal["note", "call", "visit", "email"]
# A registration's states, from aiq.registrations: confirmed, waitlisted, promoted (moved up
# from the waitlist), cancelled, checked in at the door, no-show (recorded at closing).
Attendance = Literal["registered", "waitlisted", "moved_up", "cancelled", "checked_in", "no_show"]
FollowUpStatus = Literal["open", "done"]
FollowUpKind = str  # "internship_offer", "school_ag", "ambassador", "speed_week", ...
DISTRICTS = (
    "Read only: the districts the entry is visible in (its organisation's, else its person's)"
)
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
    occurred_at: Moment | None = Field(default=None, description="Defaults to now")
    author: str | None = Field(default=None, max_length=120)
    person_id: str | None = Field(
        default=None, max_length=64, description="Who at the organisation (organisation routes)"
    )


class AttendanceStep(BaseModel):
    """One step of a registration: its new state, when, and why (a cancellation's reason:
    ``person`` through the personal link, ``staff``, ``offer_expired``)."""

    attendance: Attendance
    at: AwareDatetime
    reason: str | None = None


class Interaction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: InteractionKind
    organisation_id: str | None = None
    person_id: str | None = None
    text: str | None = None
    occurred_at: Moment
    author: str | None = None
    meeting_id: str | None = None
    meeting_title: str | None = None
    attendance: Attendance | None = None  # a registration's current state (the latest step)
    steps: list[AttendanceStep] = []  # every step of the registration, oldest first
    source_id: str | None = None  # registration or outcome id, for events
    districts: list[str] = Field(default=[], description=DISTRICTS)


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
    districts: list[str] = Field(default=[], description=DISTRICTS)


class Names(BaseModel):
    """Who an entry of a list is about, by name (only those the caller may see)."""

    organisation_name: str | None = None
    person_name: str | None = None


class FollowUpItem(FollowUp, Names):
    """A follow-up in ``GET /follow-ups``, with the names of what it is about."""


class InteractionItem(Interaction, Names):
    """An entry of the district-wide history (``GET /interactions``), with names."""


class PersonAttendance(BaseModel):
    person_id: str | None
    registration_id: str | None
    attendance: Attendance | None
    steps: list[AttendanceStep]


class MeetingAttendance(BaseModel):
    """Where a person or an organisation stands with one meeting, and how it came to be."""

    meeting_id: str
    meeting_title: str | None
    starts_at: AwareDatetime
    attendance: Attendance | None = Field(
        description="A person's: the latest state; an organisation's: its people's furthest"
    )
    people: list[PersonAttendance]
