"""The district dashboard: the counters a registration event moves, partners, topic-table
interest, registrations over time and its chart."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiq_notifications.dashboards import rules as domain
from aiq_notifications.dashboards.rules import chart, over_time
from aiq_notifications.deliveries.tallies import DeliveryTally, TalliedDelivery, tally_counts
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationTablesChangedV1,
)

MEETING = {
    "meeting_id": "m1",
    "title": "Netzwerktreffen",
    "starts_at": "2026-03-19T16:00:00+01:00",
    "ends_at": "2026-03-19T19:00:00+01:00",
    "venue": {"name": "Café Durchblick"},
}


def registration(event_type, **extra):  # type: ignore[no-untyped-def]
    return event_type(
        registration_id="r1",
        meeting=MEETING,
        person_id="p1",
        display_name="X",
        district="Hörde",
        topic_table_ids=extra.pop("topic_table_ids", ["t1", "t2"]),
        status=extra.pop("status", "confirmed"),
        **extra,
    )


def test_dashboard_counters_follow_a_registration() -> None:
    confirmed = registration(RegistrationConfirmedV1)
    assert domain.dashboard_increments("confirmed", confirmed) == {
        "registered": 1,
        "table_registrations.t1": 1,
        "table_registrations.t2": 1,
    }
    assert domain.dashboard_increments("waitlisted", confirmed) == {"waitlisted": 1}
    assert domain.dashboard_increments("checked_in", confirmed) == {"checked_in": 1}
    assert domain.dashboard_increments("promoted", confirmed) == {
        "waitlisted": -1,
        "registered": 1,
        "table_registrations.t1": 1,
        "table_registrations.t2": 1,
    }
    cancelled = registration(
        RegistrationCancelledV1, status="cancelled", previous_status="confirmed"
    )
    assert domain.dashboard_increments("cancelled", cancelled, "confirmed") == {
        "cancelled": 1,
        "registered": -1,
        "table_registrations.t1": -1,
        "table_registrations.t2": -1,
    }
    assert domain.dashboard_increments("cancelled", cancelled, "waitlisted") == {
        "cancelled": 1,
        "waitlisted": -1,
    }


def test_a_school_group_counts_every_seat_it_holds_and_a_partner_once() -> None:
    group = registration(RegistrationConfirmedV1, seats=5, kind="teacher", topic_table_ids=[])
    assert domain.dashboard_increments("confirmed", group, standing="new") == {
        "registered": 5,
        "partners.new": 1,
    }
    assert domain.dashboard_increments("waitlisted", group) == {"waitlisted": 5}
    assert domain.dashboard_increments("checked_in", group) == {"checked_in": 5}
    cancelled = registration(
        RegistrationCancelledV1,
        status="cancelled",
        previous_status="confirmed",
        seats=5,
        topic_table_ids=[],
    )
    assert domain.dashboard_increments("cancelled", cancelled, "confirmed") == {
        "cancelled": 5,
        "registered": -5,
    }


def test_registrations_over_time_fill_gaps_and_scale_to_the_total() -> None:
    series = over_time({"2026-03-03": 2, "2026-03-01": 1})
    assert [(d.day.day, d.registrations, d.total) for d in series] == [
        (1, 1, 1),
        (2, 0, 1),
        (3, 2, 3),
    ]
    drawn = chart(series, width=300, height=90)
    assert drawn.total == 3 and len(drawn.bars) == 3
    assert [b.height for b in drawn.bars] == [30.0, 0.0, 60.0]
    assert drawn.line == "50.0,60.0 150.0,60.0 250.0,0.0"
    assert chart([]).bars == []
    padded = over_time({"2026-03-03": 2}, today=date(2026, 3, 5), at_least=7)
    assert [d.day.day for d in padded] == [27, 28, 1, 2, 3, 4, 5]  # a week up to today
    assert [d.total for d in padded] == [0, 0, 0, 0, 2, 2, 2]


def test_a_partner_is_long_standing_after_a_year_whatever_its_status() -> None:
    at = datetime(2026, 3, 19, 15, tzinfo=UTC)
    assert domain.partner_standing(date(2025, 3, 19), at) == "long_standing"
    assert domain.partner_standing(date(2025, 3, 20), at) == "new"
    assert domain.partner_standing(None, at) == "new"
    # organisations with partner_since but no status arrive as "new": since follows the date
    assert domain.partner_standing(date(2020, 1, 1), at) == "long_standing"


def test_table_interest_follows_a_new_choice_and_leaves_with_a_cancellation() -> None:
    chosen_anew = registration(
        RegistrationTablesChangedV1,
        topic_table_ids=["t3", "t1"],
        previous_topic_table_ids=["t1", "t2"],
        reason="choice",
    )
    change = {"table_registrations.t2": -1, "table_registrations.t3": 1}
    assert (
        domain.dashboard_increments("tables_changed", chosen_anew, counted=["t1", "t2"]) == change
    )
    # recorded before the read model kept the tables: the event's previous choice
    assert domain.dashboard_increments("tables_changed", chosen_anew) == change
    waiting = chosen_anew.model_copy(update={"status": "waitlisted"})
    assert domain.dashboard_increments("tables_changed", waiting, counted=[]) == {}
    cancelled = registration(
        RegistrationCancelledV1, status="cancelled", previous_status="confirmed"
    )
    # what it counted for goes, whatever tables the cancellation names
    assert domain.dashboard_increments("cancelled", cancelled, "confirmed", counted=["t3"]) == {
        "cancelled": 1,
        "registered": -1,
        "table_registrations.t3": -1,
    }
    assert domain.counted_tables("confirmed", chosen_anew) == ["t3", "t1"]
    assert domain.counted_tables("waitlisted", chosen_anew) == []


# -- issue 10: rules reachable without a database ---------------------------------------------


def test_a_new_registration_counts_on_its_day_and_a_checked_in_one_keeps_its_tables() -> None:
    confirmed = registration(RegistrationConfirmedV1, topic_table_ids=["t1"])
    counted = domain.dashboard_increments(
        "confirmed", confirmed, day=date(2026, 3, 2), standing="long_standing"
    )
    assert counted == {
        "registrations_by_day.2026-03-02": 1,
        "registered": 1,
        "partners.long_standing": 1,
        "table_registrations.t1": 1,
    }
    # arriving at the door changes no interest: it still counts for the same table
    assert domain.dashboard_increments("checked_in", confirmed, counted=["t1"]) == {"checked_in": 1}


def test_upcoming_is_from_the_start_of_the_day_in_berlin() -> None:
    late_evening = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    since = domain.upcoming_since(late_evening)
    assert (since.date(), since.hour, since.minute) == (date(2026, 3, 1), 0, 0)
    assert since.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


def test_deliveries_on_the_dashboard_are_sent_pending_failed_or_stopped() -> None:
    hoerde = DeliveryTally(id="m1|Hörde", decided=12, sent=5, dead=1, stopped=3)
    counts = domain.delivery_counts(hoerde)
    assert (counts.sent, counts.pending, counts.failed, counts.stopped) == (5, 3, 1, 3)
    eving = DeliveryTally(id="m1|Eving", decided=2, sent=1)
    both = domain.delivery_counts(DeliveryTally(id="m1").plus(hoerde).plus(eving))
    assert (both.sent, both.pending, both.failed, both.stopped) == (6, 4, 1, 3)


def test_a_delivery_counts_in_its_campaigns_tally_and_its_meetings_for_its_district() -> None:
    deliveries = [
        TalliedDelivery(id="d1", campaign_id="c1", meeting_id="m1", district="Hörde"),
        TalliedDelivery(id="d2", campaign_id="c1", meeting_id="m1", district="Eving"),
        TalliedDelivery(id="d3", meeting_id="m1", district="Hörde"),  # a confirmation
        TalliedDelivery(id="d4", district="Hörde"),  # a double opt-in: no meeting
    ]
    assert tally_counts(deliveries) == {
        ("c1", None, None): 2,
        ("m1|Hörde", "m1", "Hörde"): 2,
        ("m1|Eving", "m1", "Eving"): 1,
    }


def test_the_city_overview_adds_up_a_meetings_districts() -> None:
    starts = datetime(2026, 3, 19, 15, tzinfo=UTC)
    docs = [
        {"district": "Hörde", "meeting_id": "m1", "starts_at": starts, "registered": 2,
         "partners": {"new": 1}, "table_registrations": {"t1": 2}},
        {"district": "Eving", "meeting_id": "m1", "starts_at": starts, "registered": 3,
         "invited": 7, "partners": {"new": 2}, "table_registrations": {"t1": 1, "t2": 1}},
    ]  # fmt: skip
    overview = domain.city_overview(docs, ["Hörde", "Eving", "Scharnhorst"], {})
    [event] = overview.events
    assert (event.registered, event.invited, event.new_partners) == (5, 7, 3)
    assert [(t.topic_table_id, t.registrations) for t in event.topic_tables] == [
        ("t1", 3), ("t2", 1),
    ]  # fmt: skip
    assert [(d.district, d.events, d.registered) for d in overview.districts] == [
        ("Hörde", 1, 2), ("Eving", 1, 3), ("Scharnhorst", 0, 0),
    ]  # fmt: skip
