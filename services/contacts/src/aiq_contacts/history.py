"""Contact history: notes, calls, visits, meeting attendance and outcomes; follow-ups.
Plain Python, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from aiq_contacts.domain import IsoDate
from aiq_shared.errors import Unprocessable


def _as_stored(value: datetime) -> datetime:
    """A time as the database keeps it (UTC, to the millisecond), so that the answer to a
    write equals every later read."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


Moment = Annotated[AwareDatetime, AfterValidator(_as_stored)]
InteractionKind = Literal["note", "call", "visit", "email", "meeting_attendance", "meeting_outcome"]
StaffInteractionKind = Literal["note", "call", "visit", "email"]
# A registration's states, from aiq.registrations: confirmed, waitlisted, promoted (moved up
# from the waitlist), cancelled, checked in at the door, no-show (recorded at closing).
Attendance = Literal["registered", "waitlisted", "moved_up", "cancelled", "checked_in", "no_show"]
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
    """The latest state counts; but events about a registration may arrive late: a check-in
    or no-show is not undone by a late 'registered', 'waitlisted' or 'moved_up'."""
    if change in ("registered", "waitlisted", "moved_up") and current in ("checked_in", "no_show"):
        return current
    return change


# How far along a registration got: an organisation whose people registered for one meeting
# stands where the furthest of them does (someone came; else someone has a seat; ...).
_FURTHEST = ("checked_in", "registered", "moved_up", "waitlisted", "no_show", "cancelled")


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


def by_meeting(entries: list[Interaction]) -> list[MeetingAttendance]:
    """Attendance entries (one per registration) grouped per meeting, the latest meeting first."""
    meetings: dict[str, list[Interaction]] = {}
    for entry in entries:
        if entry.kind == "meeting_attendance" and entry.meeting_id:
            meetings.setdefault(entry.meeting_id, []).append(entry)
    result = [
        MeetingAttendance(
            meeting_id=meeting_id,
            meeting_title=group[-1].meeting_title,
            starts_at=group[-1].occurred_at,
            attendance=_furthest([e.attendance for e in group]),
            people=[
                PersonAttendance(
                    person_id=e.person_id,
                    registration_id=e.source_id,
                    attendance=e.attendance,
                    steps=e.steps,
                )
                for e in group
            ],
        )
        for meeting_id, group in meetings.items()
    ]
    return sorted(result, key=lambda m: m.starts_at, reverse=True)


def _furthest(states: list[Attendance | None]) -> Attendance | None:
    known = [s for s in states if s is not None]
    return min(known, key=_FURTHEST.index) if known else None
