"""The day's rules: checking in, closing after the day (no-shows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiq_events.day import rules
from aiq_events.day.schemas import TableVisitCreate, WalkInCreate
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import GroupMember, Registration
from aiq_shared.errors import Conflict, Unprocessable

T0 = datetime(2026, 3, 19, 15, tzinfo=UTC)


def meeting(**changes) -> Meeting:
    base = Meeting(
        id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 3, 19, 16),
        ends_at=datetime(2026, 3, 19, 19),
        venue={"name": "Café Durchblick"},
        capacity=10,
        districts=["Hörde", "Eving"],
        topic_tables=[
            {"id": "ag", "title": "Schul-AGs", "capacity": 5},
            {"id": "speed", "title": "Speed-Woche", "capacity": 5},
        ],
        status="published",
    )
    return base.model_copy(update=changes)


def reg(n: int, district: str = "Hörde", **changes) -> Registration:
    base = Registration(
        id=f"r{n}",
        meeting_id="m1",
        person_id=f"p{n}",
        display_name=f"Person {n}",
        district=district,
        topic_table_ids=[],
        status="confirmed",
        created_at=T0,
        updated_at=T0,
    )
    return base.model_copy(update=changes)


def registration(seq: int, status: str = "waitlisted") -> Registration:
    now = datetime.now(UTC)
    return Registration(
        id=f"r{seq}",
        meeting_id="m1",
        person_id=f"p{seq}",
        display_name="X",
        district="Hörde",
        topic_table_ids=[],
        status=status,
        waitlist_seq=seq,
        created_at=now,
        updated_at=now,
    )


def test_only_a_confirmed_registration_checks_in_and_twice_is_harmless() -> None:
    arriving = registration(1, status="confirmed")
    assert len(arriving.check_in_code) >= 12  # unguessable enough for a door
    now = datetime(2026, 3, 19, 15, 55, tzinfo=UTC)
    arrived, first = rules.check_in(arriving, now)
    assert first and arrived.checked_in_at == now
    again, second = rules.check_in(arrived, now)
    assert not second and again.checked_in_at == now
    with pytest.raises(Conflict, match="waitlisted"):
        rules.check_in(registration(2, status="waitlisted"), now)


def test_closing_marks_confirmed_but_absent_registrations_as_no_shows() -> None:
    came = reg(1, checked_in_at=T0)
    absent = reg(2)
    waiting = reg(3, status="waitlisted")
    closed, no_shows = rules.close(meeting(), [came, absent, waiting], T0 + timedelta(hours=4))
    assert closed.status == "closed" and closed.closed_at is not None
    assert [r.id for r in no_shows] == ["r2"] and no_shows[0].no_show
    with pytest.raises(Conflict):
        rules.close(closed, [], T0)


def test_a_table_visit_is_recorded_once_for_someone_checked_in() -> None:
    visit = TableVisitCreate(code="c", topic_table_id="ag", round=1)
    rules.check_visit(meeting(), visit)
    with pytest.raises(Unprocessable):
        rules.check_visit(meeting(), visit.model_copy(update={"topic_table_id": "nowhere"}))
    with pytest.raises(Unprocessable):
        rules.check_visit(meeting(), visit.model_copy(update={"round": 2}))
    with pytest.raises(Conflict, match="not checked in"):
        rules.visited(reg(1), visit, T0)
    seen = rules.visited(reg(1, checked_in_at=T0), visit, T0)
    assert seen is not None and [(v.topic_table_id, v.round) for v in seen.table_visits] == [
        ("ag", 1)
    ]
    assert rules.visited(seen, visit, T0) is None  # said before: nothing to write


def test_the_desk_counts_arrivals_and_finds_people_and_students_by_name() -> None:
    group = reg(2, display_name="Lea Lehrer", seats=3)
    group = group.model_copy(
        update={"group_students": [GroupMember(person_id="s1", display_name="Sara Schüler")]}
    )
    everyone = [reg(1, checked_in_at=T0), group, reg(3, status="cancelled", display_name="Sara")]
    assert rules.arrivals(everyone) == (1, 2)
    assert [r.id for r in rules.search(everyone, " sara ")] == ["r2"]
    assert rules.search(everyone, "") == []


def test_a_walk_in_whom_contacts_does_not_know_travels_by_name() -> None:
    body = WalkInCreate(first_name="Tom", last_name="Tür", district="Eving", kind="guest")
    who = rules.walk_in_person(body, "abc")
    assert (who.id, who.display_name, who.district, who.kind) == (
        "walk-in-abc", "Tom Tür", "Eving", "guest",
    )  # fmt: skip
