"""Events domain: meetings, topic tables, registrations and the waitlist. Plain Python, no I/O.

Seats are counted on the meeting (``seats_taken``); the waitlist is ordered by a number the
meeting hands out (``waitlist_next``). Every registration change writes the meeting, so
concurrent registrations for one meeting are serialised by the database transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from aiq_shared.contracts.meetings import AgendaEntry, MeetingSummary
from aiq_shared.errors import Conflict, Unprocessable

BERLIN = ZoneInfo("Europe/Berlin")

MeetingStatus = Literal["draft", "published", "cancelled", "closed"]
MeetingFormat = Literal["network_meeting", "speed_week", "school_ag", "info_session"]
AgendaKind = Literal["welcome", "keynote", "input", "topic_tables", "informal", "other"]
RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]
ParticipantKind = Literal["contact", "teacher", "student", "guest"]
# "choose": a registration holds a seat at every topic table it picks (while there is room);
# "rank": it ranks tables and the assignment step gives it one table per round.
TableSelection = Literal["choose", "rank"]
SeatStatus = Literal["seated", "waitlisted"]
ERASED = "gelöscht"


def in_berlin(value: datetime) -> datetime:
    """Times are Europe/Berlin: a naive time is read as Berlin time, an aware one converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=BERLIN)
    return value.astimezone(BERLIN)


# A time read as Europe/Berlin (naive) or converted to it (aware).
BerlinTime = Annotated[datetime, AfterValidator(in_berlin)]


class Venue(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)


class TopicTableCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=10_000, description="Seats at the table (per round)")
    description: str | None = Field(default=None, max_length=2000)
    host_person_id: str | None = Field(
        default=None, max_length=64, description="Who hosts the table (a person in contacts)"
    )


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


class Round(BaseModel):
    """A time slot of the topic tables (barcamp rounds); without rounds there is one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    starts_at: BerlinTime | None = None


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
    table_selection: TableSelection = Field(
        default="choose",
        description="choose: a seat at each picked table; rank: ranked, placed by the "
        "assignment step (one table per round)",
    )
    rounds: list[Round] = Field(default_factory=list, max_length=10)
    move_up_offer_hours: int | None = Field(
        default=None,
        ge=1,
        le=720,
        description="If set, a waitlisted registration moving up has this long to accept; "
        "then the offer passes to the next in line",
    )

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
    table_selection: TableSelection = "choose"
    rounds: list[Round] = Field(default_factory=list)
    move_up_offer_hours: int | None = None
    status: MeetingStatus = "draft"
    sequence: int = 0
    seats_taken: int = 0
    waitlist_next: int = 1
    tables_assigned: bool = False
    closed_at: datetime | None = None

    @property
    def round_count(self) -> int:
        return max(len(self.rounds), 1)

    def table(self, table_id: str) -> TopicTable | None:
        return next((t for t in self.topic_tables if t.id == table_id), None)

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
            agenda=[AgendaEntry.model_validate(item.model_dump()) for item in self.agenda],
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
    topic_table_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Chosen topic tables, or the ranking (first = most wanted) when the "
        "meeting ranks tables",
    )


class TableChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic_table_ids: list[str] = Field(default_factory=list, max_length=20)


class TableSeat(BaseModel):
    """A registration's place at a topic table in one round (or its place in that table's line)."""

    model_config = ConfigDict(extra="ignore")

    topic_table_id: str
    round: int = 1
    status: SeatStatus
    waitlist_seq: int | None = None
    explanation: str | None = None


class TableVisit(BaseModel):
    """Attendance: the registrant was seen at a topic table in a round."""

    model_config = ConfigDict(extra="ignore")

    topic_table_id: str
    round: int = 1
    at: datetime


class GroupMember(BaseModel):
    model_config = ConfigDict(extra="ignore")

    person_id: str
    display_name: str


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
    kind: ParticipantKind = "contact"
    seats: int = Field(default=1, description="Seats it takes: a group's teacher holds the group's")
    group_id: str | None = None
    invitation_id: str | None = None
    walk_in: bool = False
    no_show: bool = False
    table_seats: list[TableSeat] = Field(default_factory=list)
    table_visits: list[TableVisit] = Field(default_factory=list)
    offer_expires_at: datetime | None = Field(
        default=None, description="A waitlist move-up offered: accept before this time"
    )
    group_students: list[GroupMember] = Field(
        default_factory=list, description="Named students of a school group (teacher's)"
    )

    @property
    def holds_seats(self) -> bool:
        """Confirmed, or offered a move-up (the seats are kept for the offer)."""
        return self.status == "confirmed" or (
            self.status == "waitlisted" and self.offer_expires_at is not None
        )


class AssignedRegistration(BaseModel):
    registration_id: str
    display_name: str
    table_seats: list[TableSeat]


class TableAssignment(BaseModel):
    """The result of the assignment step, with the reason for every placement."""

    meeting_id: str
    registrations: list[AssignedRegistration]


class GroupRegistrationCreate(BaseModel):
    """A school registers a group: the teacher plus students, who come and wait together."""

    model_config = ConfigDict(extra="forbid")

    teacher_person_id: str = Field(min_length=1, max_length=64)
    student_person_ids: list[str] = Field(default_factory=list, max_length=60)
    unnamed_students: int = Field(
        default=0, ge=0, le=60, description="Students counted but not named (minors: data-lean)"
    )
    topic_table_ids: list[str] = Field(default_factory=list, max_length=20)

    @property
    def seats(self) -> int:
        return 1 + len(self.student_person_ids) + self.unnamed_students


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


def check_districts(districts: Sequence[str], known: Sequence[str]) -> None:
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise Unprocessable(f"unknown districts: {', '.join(unknown)}", known_districts=list(known))


def publish(meeting: Meeting, now: datetime) -> Meeting:
    if meeting.status != "draft":
        raise Conflict(f"meeting {meeting.id} is {meeting.status} already")
    check_not_ended(meeting, now)
    return meeting.model_copy(update={"status": "published"})


def check_invitable(meeting: Meeting, now: datetime) -> None:
    if meeting.status != "published":
        raise Conflict(
            f"invitations go out for a published meeting (this one is {meeting.status})",
            reason="not_published",
        )
    check_not_ended(meeting, now)


def check_not_ended(meeting: Meeting, now: datetime) -> None:
    """A meeting that has ended is neither published nor invited to (it may be kept as a
    draft, e.g. to record a past meeting)."""
    if meeting.ends_at <= now:
        ended = meeting.ends_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
        raise Conflict(
            f"the meeting ended on {ended} (Europe/Berlin): it can no longer be published or "
            "invited to",
            reason="ended",
        )


def change(meeting: Meeting, update: MeetingChange) -> tuple[Meeting, list[str]]:
    """The changed meeting and the names of the fields that really changed.

    A change of a published meeting raises its calendar sequence, so the entry in every
    registrant's calendar is replaced rather than duplicated.
    """
    if meeting.status in ("cancelled", "closed"):
        raise Conflict(f"meeting {meeting.id} is {meeting.status}")
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
    if meeting.status in ("cancelled", "closed"):
        raise Conflict(f"meeting {meeting.id} is {meeting.status} already")
    return meeting.model_copy(update={"status": "cancelled", "sequence": meeting.sequence + 1})


def check_open(meeting: Meeting, now: datetime, *, walk_in: bool = False) -> None:
    """Whether registrations are taken now; ``reason`` in the error tells the RSVP page which."""
    if meeting.status == "cancelled":
        raise Conflict("the meeting is cancelled", reason="cancelled")
    if meeting.status == "closed":
        raise Conflict("the meeting is over", reason="closed")
    if meeting.status != "published":
        raise Conflict("registration opens when the meeting is published", reason="not_open")
    if walk_in:
        return
    if meeting.registration_deadline and now > meeting.registration_deadline:
        closed = meeting.registration_deadline.strftime("%d.%m.%Y %H:%M")
        raise Conflict(f"registration closed on {closed} (Europe/Berlin)", reason="deadline_passed")


def check_tables(meeting: Meeting, table_ids: Sequence[str]) -> None:
    known = {table.id for table in meeting.topic_tables}
    unknown = [t for t in table_ids if t not in known]
    if unknown:
        raise Unprocessable(
            f"meeting {meeting.id} has no topic table {', '.join(unknown)}", reason="unknown_table"
        )
    if len(set(table_ids)) != len(table_ids):
        raise Unprocessable("a topic table is chosen twice", reason="table_twice")


def check_registration(
    meeting: Meeting, choice: RegistrationCreate, now: datetime, *, walk_in: bool = False
) -> None:
    check_open(meeting, now, walk_in=walk_in)
    check_tables(meeting, choice.topic_table_ids)


def admit(meeting: Meeting, seats: int = 1) -> tuple[RegistrationStatus, Meeting, int | None]:
    """Confirm while there is room, waitlist after: the new status, meeting and waitlist number.

    A group (``seats`` > 1) is confirmed only if all of it fits; it never splits.
    """
    if meeting.seats_taken + seats <= meeting.capacity:
        return (
            "confirmed",
            meeting.model_copy(update={"seats_taken": meeting.seats_taken + seats}),
            None,
        )
    position = meeting.waitlist_next
    return "waitlisted", meeting.model_copy(update={"waitlist_next": position + 1}), position


def check_in(registration: Registration, now: datetime) -> tuple[Registration, bool]:
    """Mark arrival; checking in twice is fine (False: was checked in already)."""
    if registration.status != "confirmed":
        raise Conflict(
            f"{registration.display_name} has no confirmed seat ({registration.status})",
            reason="no_seat",
        )
    if registration.checked_in_at is not None:
        return registration, False
    return registration.model_copy(update={"checked_in_at": now, "updated_at": now}), True


def release_seat(meeting: Meeting, previous: RegistrationStatus, seats: int = 1) -> Meeting:
    """A cancellation frees seats only if the registration held them."""
    if previous == "confirmed":
        return meeting.model_copy(update={"seats_taken": max(meeting.seats_taken - seats, 0)})
    return meeting


def next_to_move_up(meeting: Meeting, waitlisted: Sequence[Registration]) -> Registration | None:
    """The earliest waitlisted registration that fits into the free seats.

    A group that does not fit waits; a smaller registration behind it may move up meanwhile
    (the seats would otherwise stay empty).
    """
    for candidate in sorted(waitlisted, key=lambda r: r.waitlist_seq or 0):
        if meeting.seats_taken + candidate.seats <= meeting.capacity:
            return candidate
    return None


def close(
    meeting: Meeting, registrations: Sequence[Registration], now: datetime
) -> tuple[Meeting, list[Registration]]:
    """Close a meeting after the day: confirmed registrations never checked in are no-shows."""
    if meeting.status != "published":
        raise Conflict(f"only a published meeting can be closed (this one is {meeting.status})")
    no_shows = [
        r.model_copy(update={"no_show": True, "updated_at": now})
        for r in registrations
        if r.status == "confirmed" and r.checked_in_at is None and not r.no_show
    ]
    return meeting.model_copy(update={"status": "closed", "closed_at": now}), no_shows
