"""The day's rules: checking in, closing after the day (no-shows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiq_events.day import rules
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration
from aiq_shared.errors import Conflict

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
