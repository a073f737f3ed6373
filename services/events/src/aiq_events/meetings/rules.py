"""A meeting's life: made as a draft, published, changed, cancelled (closed after the day: see
``day.rules``); the checks every use case makes of it; the meeting as an event. Plain Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from aiq_events.meetings.schemas import (
    Meeting,
    MeetingChange,
    MeetingCreate,
    MeetingListing,
    TopicTable,
)
from aiq_events.registrations.schemas import Registration
from aiq_events.registrations.seating import occupancy
from aiq_shared.contracts.meetings import REGISTRANTS_HEAR_OF, MeetingSnapshot, TopicTableSnapshot
from aiq_shared.dates import BERLIN, clock_time, short_date, time_span
from aiq_shared.errors import Conflict, Forbidden, Unprocessable
from aiq_shared.scope import Scope


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


def check_may_assign(scope: Scope, districts: Iterable[str]) -> None:
    """An officer puts a meeting in (or takes it out of) her own districts only."""
    outside = sorted(d for d in set(districts) if not scope.covers(d))
    if outside:
        raise Forbidden(f"district {', '.join(outside)} is not among yours")


def change(
    meeting: Meeting,
    update: MeetingChange,
    registrations: Sequence[Registration],
    new_id: Callable[[], str],
) -> tuple[Meeting, list[str]]:
    """The changed meeting and the names of the fields that really changed, checked against
    its registrations (``registrations``): nobody loses a seat or a table they chose.

    A change registrants must hear of raises a published meeting's calendar sequence, so the
    entry in every registrant's calendar is replaced rather than duplicated.
    """
    if meeting.status in ("cancelled", "closed"):
        raise Conflict(f"meeting {meeting.id} is {meeting.status}")
    wanted = update.model_dump(exclude_unset=True)
    if "topic_tables" in wanted:
        wanted["topic_tables"] = _tables(meeting, wanted["topic_tables"], new_id)
    try:
        candidate = Meeting.model_validate({**meeting.model_dump(), **wanted})
    except ValueError as error:
        raise Unprocessable(str(error)) from error
    changed = [name for name in wanted if getattr(meeting, name) != getattr(candidate, name)]
    if not changed:
        return meeting, []
    if candidate.ends_at <= candidate.starts_at:
        raise Unprocessable("ends_at must be after starts_at")
    if candidate.registration_deadline and candidate.registration_deadline > candidate.starts_at:
        raise Unprocessable("registration_deadline must not be after starts_at")
    active = [r for r in registrations if r.status != "cancelled"]
    _check_seats(meeting, candidate, active)
    if registrants_hear_of(meeting, changed):
        candidate = candidate.model_copy(update={"sequence": meeting.sequence + 1})
    return candidate, changed


def registrants_hear_of(meeting: Meeting, changed: Sequence[str]) -> bool:
    """Whether registrants are told of a change (email, calendar update): of a published
    meeting's time, place, wording or programme. Every change is published as
    ``aiq.meeting.changed.v1`` all the same, for the other services' copies."""
    return meeting.status == "published" and any(n in REGISTRANTS_HEAR_OF for n in changed)


def _tables(meeting: Meeting, tables: Sequence[dict], new_id: Callable[[], str]) -> list[dict]:
    """The new list of tables: those named by id keep it, the others get a new one."""
    ids = [t["id"] for t in tables if t.get("id")]
    unknown = [i for i in ids if meeting.table(i) is None]
    if unknown:
        raise Unprocessable(
            f"meeting {meeting.id} has no topic table {', '.join(unknown)}", reason="unknown_table"
        )
    if len(set(ids)) != len(ids):
        raise Unprocessable("a topic table is named twice", reason="table_twice")
    return [{**t, "id": t.get("id") or new_id()} for t in tables]


def _check_seats(before: Meeting, after: Meeting, active: Sequence[Registration]) -> None:
    """Capacity and tables as registrations need them: never below the seats taken, no table
    removed that someone chose, the way of choosing kept once tables are chosen."""
    if after.capacity < before.seats_taken:
        raise Conflict(
            f"{before.seats_taken} seats are taken: the capacity can't be {after.capacity} "
            "(cancel registrations first)",
            reason="capacity_below_seats",
        )
    kept = {t.id for t in after.topic_tables}
    wished = {t for r in active for t in r.topic_table_ids}
    held = {s.topic_table_id for r in active for s in r.table_seats}
    in_use = sorted((wished | held) - kept)
    if in_use:
        raise Conflict(
            f"registrations chose topic table {', '.join(in_use)}: it can't be removed",
            reason="table_in_use",
            topic_table_ids=in_use,
        )
    taken = occupancy(active)
    for table in after.topic_tables:
        seated = max((n for (t, _), n in taken.items() if t == table.id), default=0)
        if table.capacity < seated:
            raise Conflict(
                f"{seated} seats are taken at „{table.title}“: its capacity can't be "
                f"{table.capacity}",
                reason="table_capacity_below_seats",
                topic_table_id=table.id,
            )
    chosen = any(r.topic_table_ids for r in active)
    if after.table_selection != before.table_selection and chosen:
        raise Conflict(
            "registrations have chosen tables: the way of choosing can't change",
            reason="tables_chosen",
        )
    seated_rounds = before.table_selection == "rank" and any(r.table_seats for r in active)
    if after.round_count != before.round_count and seated_rounds:
        raise Conflict(
            "registrations are seated at tables per round: the number of rounds can't change",
            reason="tables_seated",
        )


def listing_query(listing: MeetingListing) -> dict[str, Any]:
    """The query of ``GET /events`` (the scope narrows it further)."""
    query: dict[str, Any] = {}
    if listing.districts:
        query["districts"] = {"$in": list(listing.districts)}
    if listing.status:
        query["status"] = listing.status
    starts: dict[str, datetime] = {}
    if listing.starts_from:
        starts["$gte"] = berlin_midnight(listing.starts_from)
    if listing.starts_to:
        starts["$lt"] = berlin_midnight(listing.starts_to + timedelta(days=1))
    if starts:
        query["starts_at"] = starts
    return query


def berlin_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN)


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
