"""Changing a meeting that people registered for (``PATCH /events/{id}``): what may change, what
is refused so that nobody loses a seat or a chosen table, who moves up into a larger capacity
or table, what is announced to registrants, and who may put a meeting in which districts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from aiq_events.directory.rules import Participant
from aiq_events.meetings import rules
from aiq_events.meetings.schemas import Meeting, MeetingChange, MeetingListing
from aiq_events.registrations.rules import Roster
from aiq_shared.errors import Conflict, Forbidden, Unprocessable
from aiq_shared.scope import Scope

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
        topic_tables=[
            {"id": "t1", "title": "Speed-Woche", "capacity": 1},
            {"id": "t2", "title": "Schul-AGs", "capacity": 5},
        ],
        status="published",
    )
    return base.model_copy(update=changes)


def roster_of(m: Meeting, *wishes: list[str]) -> Roster:
    """A roster in which one person per entry of ``wishes`` registered, choosing those tables."""
    roster = Roster(m, [], NOW)
    for n, tables in enumerate(wishes, start=1):
        person = Participant(id=f"p{n}", display_name=f"Person {n}", district="Hörde")
        roster.admit(person, tables, registration_id=f"r{n}")
    return Roster(roster.meeting, roster.registrations, NOW)


def change(roster: Roster, **fields) -> tuple[Meeting, list[str]]:
    ids = iter(f"new{n}" for n in range(1, 10))
    return rules.change(
        roster.meeting, MeetingChange(**fields), roster.registrations, lambda: next(ids)
    )


def test_more_fields_change_and_are_named() -> None:
    roster = roster_of(meeting())
    changed, fields = change(
        roster,
        format="speed_week",
        capacity=40,
        districts=["Hörde", "Eving"],
        organising_officer="m.schneider",
        agenda=[{"kind": "welcome", "title": "Begrüßung", "starts_at": "2026-03-19T16:00:00"}],
        table_selection="rank",
        rounds=[{"title": "Runde 1"}, {"title": "Runde 2"}],
        move_up_offer_hours=24,
    )
    assert fields == [
        "format", "capacity", "districts", "organising_officer", "agenda", "table_selection",
        "rounds", "move_up_offer_hours",
    ]  # fmt: skip
    assert (changed.capacity, changed.districts, changed.round_count) == (40, ["Hörde", "Eving"], 2)
    assert changed.agenda[0].starts_at.isoformat() == "2026-03-19T16:00:00+01:00"


def test_only_changes_registrants_must_hear_of_are_told_and_raise_the_sequence() -> None:
    # every change is published (aiq.meeting.changed.v1); registrants hear only of these
    roster = roster_of(meeting())
    quiet, fields = change(roster, capacity=30, organising_officer="t.yilmaz")
    assert quiet.sequence == 0 and not rules.registrants_hear_of(roster.meeting, fields)
    told, fields = change(roster, capacity=30, agenda=[{"title": "Impuls"}])
    assert told.sequence == 1 and rules.registrants_hear_of(roster.meeting, fields)
    draft = roster_of(meeting(status="draft"))
    assert not rules.registrants_hear_of(draft.meeting, ["starts_at"])  # nobody to tell yet


def test_a_capacity_below_the_seats_taken_is_refused_and_moves_nobody_out() -> None:
    roster = roster_of(meeting(capacity=2), [], [], [])
    assert roster.meeting.seats_taken == 2
    with pytest.raises(Conflict) as refused:
        change(roster, capacity=1)
    assert refused.value.extra["reason"] == "capacity_below_seats"
    same, fields = change(roster, capacity=2)
    assert fields == [] and same == roster.meeting


def test_a_larger_capacity_moves_the_waitlist_up() -> None:
    roster = roster_of(meeting(capacity=2), [], [], [])
    assert [r.status for r in roster.registrations] == ["confirmed", "confirmed", "waitlisted"]
    larger, _ = change(roster, capacity=3)
    roster.reshape(larger)
    assert [r.status for r in roster.registrations] == ["confirmed"] * 3
    assert [e.event_type for e in roster.events] == ["aiq.registration.promoted.v1"]
    assert roster.meeting.seats_taken == 3


def test_tables_are_renamed_resized_added_and_removed_only_when_nobody_chose_them() -> None:
    roster = roster_of(meeting(capacity=5), ["t1"], ["t1"])
    tables = [
        {"id": "t1", "title": "Speed-Woche (neu)", "capacity": 2},
        {"id": "t2", "title": "Schul-AGs", "capacity": 5},
        {"title": "Praktikum", "capacity": 8},
    ]
    changed, fields = change(roster, topic_tables=tables)
    assert fields == ["topic_tables"]
    assert [(t.id, t.title, t.capacity) for t in changed.topic_tables] == [
        ("t1", "Speed-Woche (neu)", 2), ("t2", "Schul-AGs", 5), ("new1", "Praktikum", 8),
    ]  # fmt: skip
    # the second person waited at t1 (capacity 1): the larger table seats them
    roster.reshape(changed)
    seats = {r.id: [(s.topic_table_id, s.status) for s in r.table_seats] for r in roster.changed}
    assert seats == {"r2": [("t1", "seated")]}
    assert roster.events[0].reason == "table_move_up"

    without_t2, _ = change(roster, topic_tables=tables[:1])
    assert [t.id for t in without_t2.topic_tables] == ["t1"]  # nobody chose t2: it goes
    with pytest.raises(Conflict) as in_use:
        change(roster, topic_tables=tables[1:])
    assert in_use.value.extra == {"reason": "table_in_use", "topic_table_ids": ["t1"]}


def test_a_table_is_not_made_smaller_than_its_seats_nor_named_wrongly() -> None:
    roster = roster_of(meeting(capacity=5), ["t2"], ["t2"])
    with pytest.raises(Conflict) as smaller:
        change(roster, topic_tables=[{"id": "t1", "title": "A", "capacity": 1},
                                     {"id": "t2", "title": "B", "capacity": 1}])  # fmt: skip
    assert smaller.value.extra["reason"] == "table_capacity_below_seats"
    with pytest.raises(Unprocessable) as unknown:
        change(roster, topic_tables=[{"id": "nope", "title": "A", "capacity": 1}])
    assert unknown.value.extra["reason"] == "unknown_table"


def test_the_way_of_choosing_tables_stays_once_tables_are_chosen() -> None:
    roster = roster_of(meeting(capacity=5), ["t2"])
    with pytest.raises(Conflict) as refused:
        change(roster, table_selection="rank")
    assert refused.value.extra["reason"] == "tables_chosen"
    nobody_chose = roster_of(meeting(capacity=5), [])
    assert change(nobody_chose, table_selection="rank")[0].table_selection == "rank"


def test_a_change_may_not_null_what_a_meeting_needs() -> None:
    with pytest.raises(ValueError, match="capacity cannot be null"):
        MeetingChange(capacity=None)
    assert MeetingChange(registration_deadline=None, move_up_offer_hours=None).model_fields_set


def test_an_officer_puts_a_meeting_only_in_her_own_districts() -> None:
    hoerde = Scope.of(["Hörde"])
    rules.check_may_assign(hoerde, ["Hörde"])
    with pytest.raises(Forbidden, match="Eving"):
        rules.check_may_assign(hoerde, ["Hörde", "Eving"])
    rules.check_may_assign(Scope.everything(), ["Eving", "Mengede"])


def test_the_list_filters_by_start_day_in_berlin() -> None:
    query = rules.listing_query(
        MeetingListing(
            districts=["Hörde"], starts_from=date(2026, 3, 1), starts_to=date(2026, 3, 31)
        )
    )
    assert query["districts"] == {"$in": ["Hörde"]}
    assert query["starts_at"]["$gte"].isoformat() == "2026-03-01T00:00:00+01:00"
    assert query["starts_at"]["$lt"].isoformat() == "2026-04-01T00:00:00+02:00"
    assert rules.listing_query(MeetingListing()) == {}
