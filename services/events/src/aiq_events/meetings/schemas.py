"""A meeting as the API takes it (``MeetingCreate``, ``MeetingChange``) and returns and stores it
(``Meeting``). Every time is Europe/Berlin: a time without offset is read as Berlin time.

Seats are counted on the meeting (``seats_taken``) and the waitlist is ordered by a number the
meeting hands out (``waitlist_next``): every change of a seat writes the meeting, so concurrent
registrations for one meeting are serialised by the database transaction.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from aiq_events.invitations.schemas import InvitationTarget
from aiq_shared.contracts.meetings import AgendaEntry, MeetingSummary
from aiq_shared.dates import BerlinTime

MeetingStatus = Literal["draft", "published", "cancelled", "closed"]
MeetingFormat = Literal["network_meeting", "speed_week", "school_ag", "info_session"]
AgendaKind = Literal["welcome", "keynote", "input", "topic_tables", "informal", "other"]
# "choose": a registration holds a seat at every topic table it picks (while there is room);
# "rank": it ranks tables and the assignment step gives it one table per round.
TableSelection = Literal["choose", "rank"]


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
    starts_at: BerlinTime | None = None


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
    starts_at: BerlinTime = Field(description="Europe/Berlin; a time without offset is Berlin time")
    ends_at: BerlinTime
    registration_deadline: BerlinTime | None = Field(
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
    starts_at: BerlinTime
    ends_at: BerlinTime
    registration_deadline: BerlinTime | None = None
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

    @property
    def seats_free(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    def table(self, table_id: str) -> TopicTable | None:
        return next((t for t in self.topic_tables if t.id == table_id), None)

    def summary(self) -> MeetingSummary:
        """What an email about the meeting needs: title, times, venue, sequence, programme."""
        return MeetingSummary(
            meeting_id=self.id,
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            venue=self.venue.model_dump(),
            sequence=self.sequence,
            agenda=[AgendaEntry.model_validate(item.model_dump()) for item in self.agenda],
        )


class TopicTableChange(TopicTableCreate):
    """A topic table as a change names it: an existing one by its ``id`` (renamed, its
    capacity changed), or a new one (no ``id``)."""

    id: str | None = Field(
        default=None, max_length=64, description="An existing table's id; none: a new table"
    )


# What a change may not set to null (the others: null clears them).
REQUIRED_ON_CHANGE = frozenset(
    {"title", "starts_at", "ends_at", "venue", "format", "capacity", "districts", "agenda",
     "topic_tables", "table_selection", "rounds"}
)  # fmt: skip


class MeetingChange(BaseModel):
    """What may change on a meeting (fields left out stay as they are). A change registrants
    must hear of (time, place, wording, programme) of a published one is announced to them.

    ``topic_tables`` is the whole new list: tables named by ``id`` are kept (and may be renamed
    or resized), tables without ``id`` are added, a table left out is removed, unless a
    registration chose it (refused: 409 ``table_in_use``). A capacity below the seats taken
    is refused (409), a larger one moves the waitlist up."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    format: MeetingFormat | None = None
    description: str | None = Field(default=None, max_length=5000)
    starts_at: BerlinTime | None = None
    ends_at: BerlinTime | None = None
    registration_deadline: BerlinTime | None = None
    venue: Venue | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    districts: list[str] | None = Field(default=None, min_length=1, max_length=50)
    organising_officer: str | None = Field(default=None, max_length=200)
    agenda: list[AgendaItem] | None = Field(default=None, max_length=50)
    topic_tables: list[TopicTableChange] | None = Field(default=None, max_length=100)
    table_selection: TableSelection | None = None
    rounds: list[Round] | None = Field(default=None, max_length=10)
    move_up_offer_hours: int | None = Field(
        default=None, ge=1, le=720, description="null: moving up confirms at once"
    )

    @model_validator(mode="after")
    def _no_null_where_a_value_is_needed(self) -> MeetingChange:
        nulled = sorted(
            name
            for name in self.model_fields_set & REQUIRED_ON_CHANGE
            if getattr(self, name) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        if self.districts is not None and len(set(self.districts)) != len(self.districts):
            raise ValueError("districts must not repeat")
        return self


class PublishOptions(InvitationTarget):
    """Publishing invites the meeting's districts unless told otherwise."""

    invite: bool = Field(default=True, description="false: publish without inviting anyone")


class PublishedMeeting(Meeting):
    """The published meeting, and the invitation campaign its publication started (if any)."""

    campaign_id: str | None = Field(
        default=None, description="The campaign that invites (none: nobody was invited)"
    )
    invited: int = Field(default=0, description="People the campaign invites")


MeetingSort = Literal["starts_at", "-starts_at"]
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """A day as the API writes it (``2027-03-18``), not a number read as a timestamp."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class MeetingListing(BaseModel):
    """What ``GET /events`` filters by: districts (any of them), status, the start day (from,
    to: Europe/Berlin days, both included), and the order (by start, or as made)."""

    districts: list[str] | None = None
    status: MeetingStatus | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    sort: MeetingSort | None = None
