"""The day of the meeting: checking in at the door, a walk-in without a contacts record, who
sat at which topic table, closing after the day (no-shows), the check-in desk's list. Plain
Python, no I/O. (Seats at the door, even beyond capacity, are the roster's:
``registrations.rules``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiq_events.day.schemas import TableVisitCreate, WalkInCreate
from aiq_events.directory.rules import Participant
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration, TableVisit
from aiq_shared.errors import Conflict, Unprocessable

DESK_HITS = 20


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


def walk_in_person(body: WalkInCreate, person_id: str) -> Participant:
    """Someone at the door whom contacts does not know: their name travels in the events."""
    return Participant(
        id=f"walk-in-{person_id}",
        display_name=f"{body.first_name} {body.last_name}",
        district=body.district or "",
        kind=body.kind,
    )


def check_visit(meeting: Meeting, visit: TableVisitCreate) -> None:
    if meeting.table(visit.topic_table_id) is None:
        raise Unprocessable(f"meeting {meeting.id} has no topic table {visit.topic_table_id}")
    if visit.round > meeting.round_count:
        raise Unprocessable(f"the meeting has {meeting.round_count} round(s)")


def visited(
    registration: Registration, visit: TableVisitCreate, now: datetime
) -> Registration | None:
    """The registration with the visit recorded; None if it was recorded before."""
    if registration.checked_in_at is None:
        raise Conflict(f"{registration.display_name} is not checked in")
    if (visit.topic_table_id, visit.round) in {
        (v.topic_table_id, v.round) for v in registration.table_visits
    }:
        return None
    seen = TableVisit(topic_table_id=visit.topic_table_id, round=visit.round, at=now)
    return registration.model_copy(update={"table_visits": [*registration.table_visits, seen]})


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


def arrivals(registrations: Sequence[Registration]) -> tuple[int, int]:
    """(checked in, confirmed) registrations, for the check-in desk."""
    confirmed = [r for r in registrations if r.status == "confirmed"]
    return sum(r.checked_in_at is not None for r in confirmed), len(confirmed)


def search(registrations: Sequence[Registration], name: str) -> list[Registration]:
    """For the check-in desk: registrations whose name (or a student's) contains ``name``."""
    wanted = name.casefold().strip()
    return [
        r
        for r in registrations
        if wanted
        and r.status != "cancelled"
        and (
            wanted in r.display_name.casefold()
            or any(wanted in s.display_name.casefold() for s in r.group_students)
        )
    ][:DESK_HITS]
