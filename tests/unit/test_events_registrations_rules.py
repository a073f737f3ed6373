"""Registration rules: who may register, admission to seats, the waitlist, and the roster that
every change of a seat goes through (cancel, move up, offers, the door, tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiq_events.directory.rules import Participant
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations import waitlist
from aiq_events.registrations.rules import Roster, check_registration
from aiq_events.registrations.schemas import GroupMember, Registration, RegistrationCreate
from aiq_shared.dates import in_berlin
from aiq_shared.errors import Conflict, NotFound, Unprocessable

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


# -- the roster: every change of a seat, with the events it causes ------------------------------

LATER = NOW + timedelta(hours=1)


def person(n: int, **changes) -> Participant:
    return Participant(id=f"p{n}", display_name=f"P{n}", district="Hörde", **changes)


def roster(capacity: int = 1, now: datetime = NOW, **changes) -> Roster:
    return Roster(meeting(capacity=capacity, topic_tables=[], **changes), [], now)


def kinds(events) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.event_type.removeprefix("aiq.registration.").removesuffix(".v1") for e in events]


def test_admission_confirms_then_waitlists_with_positions_and_an_event_each() -> None:
    r = roster(capacity=1)
    first = r.admit(person(1), [], registration_id="r1")
    second = r.admit(person(2), [], registration_id="r2")
    third = r.admit(person(3), [], registration_id="r3")
    assert [first.status, second.status, third.status] == ["confirmed", "waitlisted", "waitlisted"]
    assert (second.waitlist_seq, third.waitlist_seq) == (1, 2)
    assert kinds(r.events) == ["confirmed", "waitlisted", "waitlisted"]
    assert [e.waitlist_position for e in r.events[1:]] == [1, 2]
    assert r.meeting.seats_taken == 1 and [x.id for x in r.added] == ["r1", "r2", "r3"]
    assert r.events[0].check_in_code == first.check_in_code and r.events[1].check_in_code is None


def test_someone_registered_or_named_in_a_group_is_not_registered_twice() -> None:
    r = roster(capacity=5)
    r.admit(
        person(1, kind="teacher"), [], registration_id="g1", seats=2, kind="teacher",
        group_students=[GroupMember(person_id="s1", display_name="Sara")],
    )  # fmt: skip
    for someone in (person(1), Participant(id="s1", display_name="Sara", district="Hörde")):
        with pytest.raises(Conflict) as twice:
            r.check_not_registered(someone)
        assert twice.value.extra == {"registration_id": "g1", "reason": "registered_already"}
    r.cancel("g1", "staff")
    r.check_not_registered(person(1))  # cancelled: may register again


def test_a_cancellation_frees_the_seat_and_the_first_waiting_moves_up() -> None:
    r = roster(capacity=1)
    r.admit(person(1), [], registration_id="r1")
    r.admit(person(2), [], registration_id="r2")
    r.events.clear()
    cancelled = r.cancel("r1", "person")
    assert cancelled.status == "cancelled" and cancelled.updated_at == NOW
    promoted = r.registration("r2")
    assert (promoted.status, promoted.waitlist_seq) == ("confirmed", None)
    assert kinds(r.events) == ["cancelled", "promoted"]
    assert (r.events[0].previous_status, r.events[0].reason) == ("confirmed", "person")
    assert r.meeting.seats_taken == 1
    assert {x.id for x in r.changed} == set() and {x.id for x in r.added} == {"r1", "r2"}


def test_cancelling_a_waiting_registration_frees_nothing_and_twice_is_refused() -> None:
    r = roster(capacity=1)
    r.admit(person(1), [], registration_id="r1")
    r.admit(person(2), [], registration_id="r2")
    r.cancel("r2", "staff")
    assert r.meeting.seats_taken == 1 and r.registration("r1").status == "confirmed"
    with pytest.raises(Conflict) as again:
        r.cancel("r2", "staff")
    assert again.value.extra["reason"] == "cancelled_already"
    with pytest.raises(NotFound):
        r.cancel("nobody", "staff")
    closed = Roster(r.meeting.model_copy(update={"status": "closed"}), r.registrations, NOW)
    with pytest.raises(Conflict) as over:
        closed.cancel("r1", "staff")
    assert over.value.extra["reason"] == "closed"


def test_a_group_that_does_not_fit_waits_while_someone_smaller_moves_up() -> None:
    r = roster(capacity=2)
    r.admit(person(1), [], registration_id="r1")
    r.admit(person(2), [], registration_id="r2")
    group = r.admit(person(3), [], registration_id="g3", seats=3, kind="teacher")
    single = r.admit(person(4), [], registration_id="r4")
    assert (group.status, single.status) == ("waitlisted", "waitlisted")
    r.cancel("r1", "staff")  # one seat free: the group of three does not fit
    assert r.registration("g3").status == "waitlisted"
    assert r.registration("r4").status == "confirmed" and r.meeting.seats_taken == 2


def test_with_offers_a_free_seat_is_held_for_the_first_in_line_until_accepted() -> None:
    r = roster(capacity=1, move_up_offer_hours=24)
    r.admit(person(1), [], registration_id="r1")
    r.admit(person(2), [], registration_id="r2")
    r.admit(person(3), [], registration_id="r3")
    r.events.clear()
    r.cancel("r1", "person")
    offered = r.registration("r2")
    assert offered.status == "waitlisted" and offered.offer_expires_at == NOW + timedelta(hours=24)
    assert offered.holds_seats and r.meeting.seats_taken == 1  # the seat is kept for the offer
    assert kinds(r.events) == ["cancelled", "move_up_offered"]
    assert r.events[1].offer_expires_at == NOW + timedelta(hours=24)
    late = r.admit(person(4), [], registration_id="r4")
    assert r.events[-1].waitlist_position == 3  # the offered one still counts in the line
    assert late.waitlist_seq == 3
    with pytest.raises(Conflict) as none:
        r.accept_offer("r3")
    assert none.value.extra["reason"] == "no_offer"
    accepted = r.accept_offer("r2")
    assert (accepted.status, accepted.offer_expires_at) == ("confirmed", None)
    assert r.meeting.seats_taken == 1 and kinds(r.events)[-1] == "promoted"


def test_an_offer_not_accepted_in_time_lapses_and_passes_to_the_next() -> None:
    r = roster(capacity=1, move_up_offer_hours=24)
    for n in (1, 2, 3):
        r.admit(person(n), [], registration_id=f"r{n}")
    r.cancel("r1", "person")
    assert not r.lapse("r2")  # not yet
    later = Roster(r.meeting, r.registrations, NOW + timedelta(hours=25))
    with pytest.raises(Conflict) as expired:
        later.accept_offer("r2")
    assert expired.value.extra["reason"] == "offer_expired"
    assert later.lapse("r2")
    assert later.registration("r2").status == "cancelled"
    assert later.registration("r3").offer_expires_at == NOW + timedelta(hours=49)
    assert kinds(later.events) == ["cancelled", "move_up_offered"]
    assert (later.events[0].reason, later.events[0].previous_status) == (
        "offer_expired",
        "waitlisted",
    )
    assert later.meeting.seats_taken == 1 and not later.lapse("r2")


def test_at_the_door_a_walk_in_and_someone_waiting_get_seats_beyond_capacity() -> None:
    r = roster(capacity=1)
    r.admit(person(1), [], registration_id="r1")
    r.admit(person(2), [], registration_id="r2")
    walk_in = r.walk_in(person(3), [], registration_id="w3", kind="guest")
    assert (walk_in.status, walk_in.walk_in, walk_in.kind) == ("confirmed", True, "guest")
    seated = r.seat_at_door("r2")
    assert seated.status == "confirmed" and r.meeting.seats_taken == 3
    assert kinds(r.events)[-2:] == ["confirmed", "promoted"]
    assert r.seat_at_door("r1") == r.registration("r1")  # confirmed already: nothing changes


def test_someone_offered_a_seat_takes_it_at_the_door_without_another() -> None:
    r = roster(capacity=1, move_up_offer_hours=24)
    r.admit(person(1), [], registration_id="r1")
    r.admit(person(2), [], registration_id="r2")
    r.cancel("r1", "person")
    assert r.seat_at_door("r2").status == "confirmed" and r.meeting.seats_taken == 1


TABLES = [
    {"id": "ag", "title": "Schul-AGs", "capacity": 1},
    {"id": "speed", "title": "Speed-Woche", "capacity": 5},
]


def with_tables(**changes) -> Meeting:
    return Meeting.model_validate({**meeting().model_dump(), "topic_tables": TABLES, **changes})


def test_a_freed_table_seat_goes_to_the_first_in_that_tables_line() -> None:
    r = Roster(with_tables(capacity=5), [], NOW)
    r.admit(person(1), ["ag"], registration_id="r1")
    waiting = r.admit(person(2), ["ag", "speed"], registration_id="r2")
    assert [(s.topic_table_id, s.status) for s in waiting.table_seats] == [
        ("ag", "waitlisted"),
        ("speed", "seated"),
    ]
    r.events.clear()
    r.cancel("r1", "person")
    moved = r.registration("r2")
    assert [s.status for s in moved.table_seats] == ["seated", "seated"]
    assert kinds(r.events) == ["cancelled", "tables_changed"]
    assert r.events[1].reason == "table_move_up"


def test_changing_tables_keeps_held_seats_and_passes_freed_ones_on() -> None:
    r = Roster(with_tables(capacity=5), [], NOW)
    r.admit(person(1), ["ag", "speed"], registration_id="r1")
    r.admit(person(2), ["ag"], registration_id="r2")
    r.events.clear()
    changed = r.change_tables("r1", ["speed"])
    assert [(s.topic_table_id, s.status) for s in changed.table_seats] == [("speed", "seated")]
    assert r.registration("r2").table_seats[0].status == "seated"
    assert kinds(r.events) == ["tables_changed", "tables_changed"]
    assert [e.reason for e in r.events] == ["choice", "table_move_up"]
    assert r.events[0].previous_topic_table_ids == ["ag", "speed"]
    with pytest.raises(Unprocessable):
        r.change_tables("r1", ["nowhere"])


def test_a_promotion_takes_table_seats_too() -> None:
    r = Roster(with_tables(capacity=1), [], NOW)
    r.admit(person(1), ["speed"], registration_id="r1")
    r.admit(person(2), ["speed"], registration_id="r2")
    assert r.registration("r2").table_seats == []  # waiting for the meeting: no table yet
    r.cancel("r1", "person")
    assert [s.status for s in r.registration("r2").table_seats] == ["seated"]


def test_the_assignment_step_marks_the_meeting_and_tells_only_who_moved() -> None:
    ranked = with_tables(capacity=5, table_selection="rank")
    r = Roster(ranked, [], NOW)
    r.admit(person(1), ["ag", "speed"], registration_id="r1")
    r.admit(person(2), ["ag", "speed"], registration_id="r2")
    r.events.clear()
    result = r.assign_tables()
    assert [line.table_seats[0].topic_table_id for line in result.registrations] == ["ag", "speed"]
    assert r.meeting.tables_assigned and r.meeting.waitlist_next == 3
    assert [e.reason for e in r.events] == ["assignment", "assignment"]
    again = Roster(r.meeting, r.registrations, LATER)
    again.assign_tables()
    assert again.events == []  # nobody moved
    late = again.admit(person(3), ["ag", "speed"], registration_id="r3")
    assert late.table_seats[0].topic_table_id == "speed"  # placed as the step would
    with pytest.raises(Conflict):
        Roster(meeting(), [], NOW).assign_tables()  # a meeting whose tables are chosen
