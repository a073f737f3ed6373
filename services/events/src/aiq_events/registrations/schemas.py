"""Registrations as the API takes them (``RegistrationCreate``, ``GroupRegistrationCreate``,
``TableChoice``) and returns and stores them (``Registration``, with its table seats and
visits), and the result of the assignment step."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiq_events.directory.rules import ParticipantKind

RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]
SeatStatus = Literal["seated", "waitlisted"]
MAX_UNNAMED = 60  # students a school group may count without names


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


class GroupRegistrationCreate(BaseModel):
    """A school registers a group: the teacher plus students, who come and wait together."""

    model_config = ConfigDict(extra="forbid")

    teacher_person_id: str = Field(min_length=1, max_length=64)
    student_person_ids: list[str] = Field(default_factory=list, max_length=60)
    unnamed_students: int = Field(
        default=0,
        ge=0,
        le=MAX_UNNAMED,
        description="Students counted but not named (minors: data-lean)",
    )
    topic_table_ids: list[str] = Field(default_factory=list, max_length=20)

    @property
    def seats(self) -> int:
        return 1 + len(self.student_person_ids) + self.unnamed_students


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
    meeting_districts: list[str] = Field(
        default_factory=list, description="Where it is visible: its meeting's districts"
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


class RegistrationView(Registration):
    """A registration as staff read it: with its organisation's name (from contacts)."""

    organisation_name: str | None = Field(default=None, description="From contacts")


class RegistrationListing(BaseModel):
    """What ``GET /events/{id}/registrations`` filters by."""

    status: RegistrationStatus | None = None
    q: str | None = Field(
        default=None, max_length=100, description="Part of a name (a group's students too)"
    )
