"""A meeting's life: made as a draft, published, changed, cancelled (closed after the day: see
``day.rules``); the checks every use case makes of it; the meeting as an event. Plain Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from aiq_events.meetings.schemas import Meeting, MeetingChange, MeetingCreate, TopicTable, Venue
from aiq_shared.contracts.meetings import MeetingSnapshot, TopicTableSnapshot
from aiq_shared.dates import clock_time, short_date, time_span
from aiq_shared.errors import Conflict, Unprocessable


def check_districts(districts: Sequence[str], known: Sequence[str]) -> None:
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise Unprocessable(f"unknown districts: {', '.join(unknown)}", known_districts=list(known))


def create(data: MeetingCreate, new_id: Callable[[], str]) -> Meeting:
    """A draft meeting; it and each of its topic tables get an id from ``new_id``."""
    return Meeting(
        id=new_id(),
        **data.model_dump(exclude={"topic_tables"}),
        topic_tables=[TopicTable(id=new_id(), **table.model_dump()) for table in data.topic_tables],
    )


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


def berlin_minute(value: datetime) -> str:
    """``19.03.2026 19:00`` (Europe/Berlin), as API messages and report cells name a time."""
    return f"{short_date(value)} {clock_time(value)}"


def check_not_ended(meeting: Meeting, now: datetime) -> None:
    """A meeting that has ended is neither published nor invited to (it may be kept as a
    draft, e.g. to record a past meeting)."""
    if meeting.ends_at <= now:
        ended = berlin_minute(meeting.ends_at)
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


def deadline_passed(meeting: Meeting, now: datetime) -> bool:
    return meeting.registration_deadline is not None and now > meeting.registration_deadline


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
    if deadline_passed(meeting, now):
        closed = berlin_minute(meeting.registration_deadline)  # type: ignore[arg-type]
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


def when(meeting: Meeting) -> str:
    """``Donnerstag, 19. März 2026, 16:00 bis 19:00 Uhr``, as pages say it."""
    return time_span(meeting.starts_at, meeting.ends_at)


def meeting_event[E: MeetingSnapshot](event: type[E], meeting: Meeting, **extra: object) -> E:
    """The meeting as an event: every meeting event carries the programme (agenda, description,
    organising officer) and the topic tables, so an email can say all of it."""
    return event(
        **meeting.summary().model_dump(),  # title, times, venue, sequence, agenda
        capacity=meeting.capacity,
        districts=meeting.districts,
        topic_tables=[
            TopicTableSnapshot(
                topic_table_id=t.id,
                title=t.title,
                capacity=t.capacity,
                description=t.description,
                host_person_id=t.host_person_id,
            )
            for t in meeting.topic_tables
        ],
        status=meeting.status,
        format=meeting.format,
        registration_deadline=meeting.registration_deadline,
        description=meeting.description,
        organising_officer=meeting.organising_officer,
        **extra,
    )
