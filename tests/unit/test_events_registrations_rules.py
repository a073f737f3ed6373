"""Registration rules: who may register, admission to seats, the waitlist, and the roster that
every change of a seat goes through (cancel, move up, offers, the door, tables)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations import waitlist
from aiq_events.registrations.rules import check_registration
from aiq_events.registrations.schemas import Registration, RegistrationCreate
from aiq_shared.dates import in_berlin
from aiq_shared.errors import Conflict, Unprocessable

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def meeting(**changes) -> Meeting:
    base = Meeting(
        id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 3, 19, 16),
        ends_at=datetime(2026, 3, 19, 19),
        venue={"name": "Café Durchblick"},
        capacity=2,
        districts=["Hörde"],
        topic_tables=[{"id": "t1", "title": "Speed-Woche", "capacity": 5}],
        status="published",
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


def test_registration_needs_publication_and_existing_distinct_tables() -> None:
    with pytest.raises(Conflict, match="published"):
        check_registration(meeting(status="draft"), RegistrationCreate(person_id="p"), NOW)
    with pytest.raises(Unprocessable, match="no topic table"):
        check_registration(meeting(), RegistrationCreate(person_id="p", topic_table_ids=["x"]), NOW)
    with pytest.raises(Unprocessable, match="twice"):
        check_registration(
            meeting(), RegistrationCreate(person_id="p", topic_table_ids=["t1", "t1"]), NOW
        )
    check_registration(meeting(), RegistrationCreate(person_id="p", topic_table_ids=["t1"]), NOW)


def test_confirmed_while_there_is_room_then_waitlisted_in_order() -> None:
    m = meeting(capacity=2)
    statuses = []
    positions = []
    for _ in range(4):
        status, m, position = waitlist.admit(m)
        statuses.append(status)
        positions.append(position)
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert positions == [None, None, 1, 2]
    assert m.seats_taken == 2 and m.seats_free == 0


def test_only_a_confirmed_cancellation_frees_a_seat() -> None:
    full = meeting(capacity=2, seats_taken=2)
    assert waitlist.release_seat(full, "confirmed").seats_taken == 1
    assert waitlist.release_seat(full, "waitlisted").seats_taken == 2


def test_the_earliest_on_the_waitlist_moves_up_when_a_seat_is_free() -> None:
    waiting = [registration(3), registration(1), registration(2)]
    assert waitlist.next_to_move_up(meeting(capacity=2, seats_taken=1), waiting).id == "r1"
    assert waitlist.next_to_move_up(meeting(capacity=2, seats_taken=2), waiting) is None
    assert waitlist.next_to_move_up(meeting(capacity=2, seats_taken=1), []) is None


def test_registration_closes_at_the_deadline() -> None:
    deadline = datetime(2026, 3, 12, 23, 59)
    closing = meeting(registration_deadline=in_berlin(deadline))
    before = datetime(2026, 3, 12, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    after = datetime(2026, 3, 13, 0, 0, tzinfo=UTC)  # 01:00 in Berlin
    check_registration(closing, RegistrationCreate(person_id="p"), before)
    with pytest.raises(Conflict, match=r"closed on 12.03.2026 23:59"):
        check_registration(closing, RegistrationCreate(person_id="p"), after)


def reg(n: int, district: str = "Hörde", **changes) -> Registration:
    base = Registration(
        id=f"r{n}",
        meeting_id="m1",
        person_id=f"p{n}",
        display_name=f"Person {n}",
        district=district,
        topic_table_ids=[],
        status="confirmed",
        created_at=NOW,
        updated_at=NOW,
    )
    return base.model_copy(update=changes)


def test_a_group_is_admitted_whole_or_waits_whole() -> None:
    status, updated, _ = waitlist.admit(meeting(capacity=5, seats_taken=1), seats=4)
    assert (status, updated.seats_taken) == ("confirmed", 5)
    status, updated, position = waitlist.admit(meeting(capacity=5, seats_taken=2), seats=4)
    assert (status, updated.seats_taken, position) == ("waitlisted", 2, 1)
    group = reg(1, status="waitlisted", seats=4, waitlist_seq=1)
    single = reg(2, status="waitlisted", waitlist_seq=2)
    moving = waitlist.next_to_move_up(meeting(capacity=5, seats_taken=4), [single, group])
    assert moving is not None and moving.id == "r2"  # the group does not fit yet
    assert waitlist.next_to_move_up(meeting(capacity=5, seats_taken=1), [single, group]) == group
