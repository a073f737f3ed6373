"""Events domain: meetings, topic tables, registrations and the waitlist. Plain Python, no I/O.

Seats are counted on the meeting (``seats_taken``); the waitlist is ordered by a number the
meeting hands out (``waitlist_next``). Every registration change writes the meeting, so
concurrent registrations for one meeting are serialised by the database transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.errors import Conflict, Unprocessable

BERLIN = ZoneInfo("Europe/Berlin")

MeetingStatus = Literal["draft", "published", "cancelled"]
MeetingFormat = Literal["network_meeting", "speed_week", "school_ag", "info_session"]
AgendaKind = Literal["welcome", "keynote", "input", "topic_tables", "informal", "other"]
RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]


def in_berlin(value: datetime) -> datetime:
    """Times are Europe/Berlin: a naive time is read as Berlin time, an aware one converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=BERLIN)
    return value.astimezone(BERLIN)


class Venue(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)


class TopicTableCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=10_000)


class TopicTable(TopicTableCreate):
    model_config = ConfigDict(extra="ignore")

    id: str


class AgendaItem(BaseModel):
    """One part of the programme: welcome, keynote, input, topic tables, informal part."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: AgendaKind = "other"
    title: str = Field(min_length=1, max_length=200)
    starts_at: datetime | None = None

    @field_validator("starts_at")
    @classmethod
    def _berlin(cls, value: datetime | None) -> datetime | None:
        return None if value is None else in_berlin(value)


class MeetingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    format: MeetingFormat = "network_meeting"
    description: str | None = Field(default=None, max_length=5000)
    starts_at: datetime = Field(description="Europe/Berlin; a time without offset is Berlin time")
    ends_at: datetime
    registration_deadline: datetime | None = Field(
        default=None, description="Registrations close then (Europe/Berlin)"
    )
    venue: Venue
    capacity: int = Field(ge=1, le=100_000)
    districts: list[str] = Field(min_length=1, max_length=50)
    organising_officer: str | None = Field(default=None, max_length=200)
    agenda: list[AgendaItem] = Field(default_factory=list, max_length=50)
    topic_tables: list[TopicTableCreate] = Field(default_factory=list, max_length=100)

    @field_validator("starts_at", "ends_at", "registration_deadline")
    @classmethod
    def _berlin(cls, value: datetime | None) -> datetime | None:
        return None if value is None else in_berlin(value)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.registration_deadline and self.registration_deadline > self.starts_at:
            raise ValueError("registration_deadline must not be after starts_at")
        if len(set(self.districts)) != len(self.districts):
            raise ValueError("districts must not repeat")
        return self


class Meeting(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    title: str
    format: MeetingFormat = "network_meeting"
    description: str | None = None
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime | None = None
    venue: Venue
    capacity: int
    districts: list[str]
    organising_officer: str | None = None
    agenda: list[AgendaItem] = Field(default_factory=list)
    topic_tables: list[TopicTable]
    status: MeetingStatus = "draft"
    sequence: int = 0
    seats_taken: int = 0
    waitlist_next: int = 1

    @field_validator("starts_at", "ends_at", "registration_deadline")
    @classmethod
    def _berlin(cls, value: datetime | None) -> datetime | None:
        return None if value is None else in_berlin(value)

    @property
    def seats_free(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    def summary(self) -> MeetingSummary:
        return MeetingSummary(
            meeting_id=self.id,
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            venue=self.venue.model_dump(),
            sequence=self.sequence,
        )


class MeetingChange(BaseModel):
    """What may change on a meeting; a change of a published one is announced to registrants."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    registration_deadline: datetime | None = None
    venue: Venue | None = None

    @field_validator("starts_at", "ends_at", "registration_deadline")
    @classmethod
    def _berlin(cls, value: datetime | None) -> datetime | None:
        return None if value is None else in_berlin(value)


class RegistrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(min_length=1, max_length=64)
    topic_table_ids: list[str] = Field(default_factory=list, max_length=20)


class Participant(BaseModel):
    """What the events service knows of a person, from ``aiq.contacts``."""

    model_config = ConfigDict(extra="ignore")

    id: str
    display_name: str
    district: str
    organisation_id: str | None = None


class Registration(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str
    person_id: str
    display_name: str
    district: str
    organisation_id: str | None = None
    topic_table_ids: list[str]
    status: RegistrationStatus
    waitlist_seq: int | None = None
    check_in_code: str = Field(default_factory=lambda: secrets.token_urlsafe(12))
    checked_in_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CheckInCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=100, description="From the QR code")


class CheckIn(BaseModel):
    registration: Registration
    already_checked_in: bool


def check_districts(districts: Sequence[str], known: Sequence[str]) -> None:
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise Unprocessable(f"unknown districts: {', '.join(unknown)}", known_districts=list(known))


def publish(meeting: Meeting) -> Meeting:
    if meeting.status != "draft":
        raise Conflict(f"meeting {meeting.id} is {meeting.status} already")
    return meeting.model_copy(update={"status": "published"})


def change(meeting: Meeting, update: MeetingChange) -> tuple[Meeting, list[str]]:
    """The changed meeting and the names of the fields that really changed.

    A change of a published meeting raises its calendar sequence, so the entry in every
    registrant's calendar is replaced rather than duplicated.
    """
    if meeting.status == "cancelled":
        raise Conflict(f"meeting {meeting.id} is cancelled")
    wanted = update.model_dump(exclude_unset=True)
    if "venue" in wanted:
        wanted["venue"] = Venue.model_validate(wanted["venue"])
    changed = [name for name, value in wanted.items() if getattr(meeting, name) != value]
    if not changed:
        return meeting, []
    updated = meeting.model_copy(update={name: wanted[name] for name in changed})
    if updated.ends_at <= updated.starts_at:
        raise Unprocessable("ends_at must be after starts_at")
    if updated.registration_deadline and updated.registration_deadline > updated.starts_at:
        raise Unprocessable("registration_deadline must not be after starts_at")
    if meeting.status == "published":
        updated = updated.model_copy(update={"sequence": meeting.sequence + 1})
    return updated, changed


def cancel(meeting: Meeting) -> Meeting:
    if meeting.status == "cancelled":
        raise Conflict(f"meeting {meeting.id} is cancelled already")
    return meeting.model_copy(update={"status": "cancelled", "sequence": meeting.sequence + 1})


def check_registration(meeting: Meeting, choice: RegistrationCreate, now: datetime) -> None:
    if meeting.status == "cancelled":
        raise Conflict("the meeting is cancelled")
    if meeting.status != "published":
        raise Conflict("registration opens when the meeting is published")
    if meeting.registration_deadline and now > meeting.registration_deadline:
        closed = meeting.registration_deadline.strftime("%d.%m.%Y %H:%M")
        raise Conflict(f"registration closed on {closed} (Europe/Berlin)")
    table_ids = {table.id for table in meeting.topic_tables}
    unknown = [t for t in choice.topic_table_ids if t not in table_ids]
    if unknown:
        raise Unprocessable(f"meeting {meeting.id} has no topic table {', '.join(unknown)}")
    if len(set(choice.topic_table_ids)) != len(choice.topic_table_ids):
        raise Unprocessable("a topic table is chosen twice")


def admit(meeting: Meeting) -> tuple[RegistrationStatus, Meeting, int | None]:
    """Confirm while there is room, waitlist after: the new status, meeting and waitlist number."""
    if meeting.seats_taken < meeting.capacity:
        return (
            "confirmed",
            meeting.model_copy(update={"seats_taken": meeting.seats_taken + 1}),
            None,
        )
    position = meeting.waitlist_next
    return "waitlisted", meeting.model_copy(update={"waitlist_next": position + 1}), position


def check_in(registration: Registration, now: datetime) -> tuple[Registration, bool]:
    """Mark arrival; checking in twice is fine (False: was checked in already)."""
    if registration.status != "confirmed":
        raise Conflict(f"{registration.display_name} has no confirmed seat ({registration.status})")
    if registration.checked_in_at is not None:
        return registration, False
    return registration.model_copy(update={"checked_in_at": now, "updated_at": now}), True


def release_seat(meeting: Meeting, previous: RegistrationStatus) -> Meeting:
    """A cancellation frees a seat only if the registration held one."""
    if previous == "confirmed":
        return meeting.model_copy(update={"seats_taken": max(meeting.seats_taken - 1, 0)})
    return meeting


def next_to_move_up(meeting: Meeting, waitlisted: Sequence[Registration]) -> Registration | None:
    """The earliest waitlisted registration, if a seat is free."""
    if meeting.seats_taken >= meeting.capacity or not waitlisted:
        return None
    return min(waitlisted, key=lambda r: r.waitlist_seq or 0)
