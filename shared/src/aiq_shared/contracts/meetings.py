"""Events on ``aiq.events``: meetings (Netzwerktreffen and other formats), keyed by meeting id."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from aiq_shared import topics
from aiq_shared.contracts.base import EventContract


class Venue(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    address: str | None = None


class AgendaEntry(BaseModel):
    """One part of a meeting's programme (welcome, keynote, input, topic tables, informal)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str = "other"
    title: str
    starts_at: datetime | None = None


class TopicTableSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    topic_table_id: str
    title: str
    capacity: int
    description: str | None = None
    host_person_id: str | None = None


class MeetingSnapshot(EventContract):
    topic = topics.EVENTS

    meeting_id: str
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: Venue
    capacity: int
    districts: list[str]
    topic_tables: list[TopicTableSnapshot]
    status: str
    # Calendar SEQUENCE: raised by every change of a published meeting, so calendar entries
    # sent earlier (same UID) are replaced in place.
    sequence: int = 0
    format: str = "network_meeting"
    registration_deadline: AwareDatetime | None = None
    # Added for issue 9 (optional, so older events still parse): the programme, shown in
    # invitations and confirmations; the organising officer (staff username).
    agenda: list[AgendaEntry] = []
    description: str | None = None
    organising_officer: str | None = None

    def aggregate_key(self) -> str:
        return self.meeting_id


class MeetingCreatedV1(MeetingSnapshot):
    event_type = "aiq.meeting.created.v1"


class MeetingPublishedV1(MeetingSnapshot):
    event_type = "aiq.meeting.published.v1"


# The changes of a published meeting its registrants hear of (an email, a calendar update);
# the others (capacity, districts, tables, ...) only bring the other services' copies up to date.
REGISTRANTS_HEAR_OF = ("title", "description", "starts_at", "ends_at", "registration_deadline",
                       "venue", "agenda")  # fmt: skip


class MeetingChangedV1(MeetingSnapshot):
    """A meeting changed (every change); ``changed`` names the fields. Registrants are told
    only of those in ``REGISTRANTS_HEAR_OF`` (``news_for_registrants``)."""

    event_type = "aiq.meeting.changed.v1"

    changed: list[str]

    def news_for_registrants(self) -> list[str]:
        return [name for name in self.changed if name in REGISTRANTS_HEAR_OF]


class MeetingCancelledV1(MeetingSnapshot):
    event_type = "aiq.meeting.cancelled.v1"


class MeetingClosedV1(MeetingSnapshot):
    """The day is over: check-in closed; confirmed registrants who did not come are no-shows
    (``aiq.registration.no_show.v1`` each)."""

    event_type = "aiq.meeting.closed.v1"

    no_shows: int = 0


class MeetingSummary(BaseModel):
    """What an email about a registration needs to know of the meeting."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    meeting_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    venue: Venue
    sequence: int = 0
    # The programme (issue 9), so every email about the meeting can show it.
    agenda: list[AgendaEntry] = []


class FollowUp(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str  # "internship_offer", "school_ag", "ambassador", ...
    title: str
    due: date | None = None
    owner: str | None = None  # staff user name of the officer who follows up


class MeetingOutcomeRecordedV1(EventContract):
    """After a meeting: a note and follow-ups about one organisation (or person) who took part,
    for the contact history in the contacts service."""

    event_type = "aiq.meeting.outcome_recorded.v1"
    topic = topics.EVENTS

    outcome_id: str
    meeting_id: str
    meeting_title: str
    organisation_id: str | None = None
    person_id: str | None = None
    attended: bool | None = None
    note: str | None = None
    follow_ups: list[FollowUp] = []
    recorded_by: str | None = None
    recorded_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.meeting_id
