"""Topic tables: direct choices respect capacity, the assignment step is deterministic and
explains itself, freed seats go to the first in a table's line."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations import seating
from aiq_events.registrations.announcements import registration_event
from aiq_events.registrations.schemas import GroupMember, Registration, TableSeat
from aiq_events.registrations.seating import tables_changed
from aiq_shared.contracts.registrations import RegistrationConfirmedV1

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def meeting(selection: str = "rank", rounds: int = 1, capacity: int = 2) -> Meeting:
    return Meeting(
        id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 3, 19, 16),
        ends_at=datetime(2026, 3, 19, 19),
        venue={"name": "Café Durchblick"},
        capacity=100,
        districts=["Hörde"],
        topic_tables=[
            {"id": "ag", "title": "Schul-AGs", "capacity": capacity},
            {"id": "speed", "title": "Speed-Woche", "capacity": capacity},
            {"id": "azubi", "title": "Azubis als Botschafter*innen", "capacity": capacity},
        ],
        table_selection=selection,
        rounds=[{"title": f"Runde {n}"} for n in range(1, rounds + 1)] if rounds > 1 else [],
        status="published",
    )


def registration(n: int, ranking: list[str], **changes) -> Registration:
    at = T0 + timedelta(minutes=n)
    base = Registration(
        id=f"r{n:02d}",
        meeting_id="m1",
        person_id=f"p{n}",
        display_name=f"P{n}",
        district="Hörde",
        topic_table_ids=ranking,
        status="confirmed",
        created_at=at,
        updated_at=at,
    )
    return base.model_copy(update=changes)


def test_assignment_places_by_registration_order_and_first_ranked_table_with_room() -> None:
    people = [registration(n, ["ag", "speed"]) for n in (3, 1, 2)]  # arrival order 1, 2, 3
    placed = seating.assign(meeting(capacity=2), people)
    assert [s.topic_table_id for s in placed["r01"]] == ["ag"]
    assert [s.topic_table_id for s in placed["r02"]] == ["ag"]
    third = placed["r03"][0]
    assert (third.topic_table_id, third.status) == ("speed", "seated")
    assert third.explanation == "Runde 1: 2. Wahl „Speed-Woche“ (voll: „Schul-AGs“)"
    assert placed["r01"][0].explanation == "Runde 1: 1. Wahl „Schul-AGs“"


def test_assignment_is_deterministic_whatever_the_input_order() -> None:
    people = [registration(n, ["ag", "speed", "azubi"]) for n in range(1, 9)]
    first = seating.assign(meeting(capacity=2), people)
    again = seating.assign(meeting(capacity=2), list(reversed(people)))
    assert first == again


def test_when_every_ranked_table_is_full_the_registration_waits_at_its_first_choice() -> None:
    people = [registration(n, ["ag"]) for n in range(1, 4)]
    placed = seating.assign(meeting(capacity=2), people)
    last = placed["r03"][0]
    assert (last.topic_table_id, last.status, last.waitlist_seq) == ("ag", "waitlisted", 3)
    assert "Warteliste" in (last.explanation or "")


def test_rounds_give_each_registration_a_different_table_per_round() -> None:
    placed = seating.assign(meeting(rounds=2, capacity=5), [registration(1, ["ag", "speed"])])
    assert [(s.round, s.topic_table_id) for s in placed["r01"]] == [(1, "ag"), (2, "speed")]


def test_waitlisted_and_cancelled_registrations_get_no_table() -> None:
    people = [
        registration(1, ["ag"], status="waitlisted"),
        registration(2, ["ag"], status="cancelled"),
        registration(3, []),
    ]
    assert seating.assign(meeting(), people) == {"r03": []}


def test_a_group_takes_as_many_table_seats_as_it_has_people() -> None:
    group = registration(1, ["ag", "speed"], seats=3)
    placed = seating.assign(meeting(capacity=2), [group])
    assert (placed["r01"][0].topic_table_id, placed["r01"][0].status) == ("ag", "waitlisted")
    placed = seating.assign(meeting(capacity=3), [group])
    assert placed["r01"][0].topic_table_id == "ag"


def test_direct_choices_respect_table_capacity_and_keep_held_seats() -> None:
    m = meeting("choose", capacity=1)
    taken: Counter = Counter({("ag", 1): 1})
    seats, next_seq = seating.choose(m, registration(1, []), ["ag", "speed"], taken, 7)
    assert [(s.topic_table_id, s.status, s.waitlist_seq) for s in seats] == [
        ("ag", "waitlisted", 7),
        ("speed", "seated", None),
    ]
    assert next_seq == 8
    holder = registration(2, [], table_seats=[TableSeat(topic_table_id="ag", status="seated")])
    kept, _ = seating.choose(m, holder, ["ag"], taken, 1)
    assert kept[0].status == "seated"


def test_a_freed_seat_goes_to_the_first_in_the_tables_line() -> None:
    m = meeting("choose", capacity=1)
    seated = registration(1, ["ag"], table_seats=[TableSeat(topic_table_id="ag", status="seated")])
    second = registration(
        2, ["ag"], table_seats=[TableSeat(topic_table_id="ag", status="waitlisted", waitlist_seq=5)]
    )
    first = registration(
        3, ["ag"], table_seats=[TableSeat(topic_table_id="ag", status="waitlisted", waitlist_seq=4)]
    )
    assert seating.next_at_table(m, [seated, second, first], "ag", 1) is None  # still full
    cancelled = seated.model_copy(update={"status": "cancelled"})
    assert seating.freed(seated, cancelled) == [("ag", 1)]
    moving = seating.next_at_table(m, [cancelled, second, first], "ag", 1)
    assert moving is not None and moving.id == "r03"
    moved = seating.seat_at(moving, "ag", 1)
    assert moved.table_seats[0].status == "seated" and moved.table_seats[0].waitlist_seq is None


def test_every_registration_event_says_where_it_sits_or_waits_and_names_group_students() -> None:
    seats = [
        TableSeat(topic_table_id="ag", status="seated", explanation="Platz"),
        TableSeat(topic_table_id="speed", round=2, status="waitlisted", waitlist_seq=3),
    ]
    group = registration(
        1, ["ag", "speed"], kind="teacher", seats=3, table_seats=seats,
        group_students=[GroupMember(person_id="s1", display_name="Sara Schüler")],
    )  # fmt: skip
    event = registration_event(RegistrationConfirmedV1, meeting(rounds=2), group)
    assert [(s.topic_table_id, s.round, s.status) for s in event.table_seats] == [
        ("ag", 1, "seated"),
        ("speed", 2, "waitlisted"),
    ]
    assert event.group_students == ["Sara Schüler"]


def test_tables_change_when_wishes_or_seats_do_not_when_only_the_reason_does() -> None:
    seat = TableSeat(topic_table_id="ag", status="seated", explanation="Runde 1: 1. Wahl")
    before = registration(1, ["ag", "speed"], table_seats=[seat])
    reworded = before.model_copy(
        update={"table_seats": [seat.model_copy(update={"explanation": "anders"})]}
    )
    assert not tables_changed(before, reworded)
    assert tables_changed(before, before.model_copy(update={"topic_table_ids": ["speed", "ag"]}))
    moved = before.model_copy(update={"table_seats": [seat.model_copy(update={"round": 2})]})
    assert tables_changed(before, moved)
