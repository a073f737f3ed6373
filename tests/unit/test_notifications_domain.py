"""Notifications domain: who is invited, delivery identity, backoff, dashboard counters,
when reminders are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiq_notifications import domain
from aiq_notifications.domain import Recipient, due_reminders, non_responders, reminder_moments
from aiq_shared.contracts.registrations import RegistrationCancelledV1, RegistrationConfirmedV1

MEETING = {
    "meeting_id": "m1",
    "title": "Netzwerktreffen",
    "starts_at": "2026-03-19T16:00:00+01:00",
    "ends_at": "2026-03-19T19:00:00+01:00",
    "venue": {"name": "Café Durchblick"},
}


def recipient(person_id: str, district: str, email: str | None, consent: bool) -> Recipient:
    return Recipient(
        id=person_id, display_name="X", email=email, district=district, email_consent=consent
    )


def test_only_people_with_consent_and_an_address_are_reachable() -> None:
    assert recipient("yes", "Hörde", "a@x.example", True).reachable
    assert not recipient("no-consent", "Hörde", "b@x.example", False).reachable
    assert not recipient("no-email", "Eving", None, True).reachable


def test_a_delivery_is_identified_by_kind_recipient_and_subject() -> None:
    key = domain.delivery_key("confirmation", "p1", "r1")
    assert key == "confirmation:p1:r1"
    first = domain.message_id_for(key, "aiq.example")
    assert first == domain.message_id_for(key, "aiq.example")  # deterministic
    assert first != domain.message_id_for(
        domain.delivery_key("waitlist", "p1", "r1"), "aiq.example"
    )
    assert first.startswith("<") and first.endswith("@aiq.example>")


def test_backoff_doubles() -> None:
    assert [domain.backoff(n, 2.0) for n in (1, 2, 3)] == [
        timedelta(seconds=2),
        timedelta(seconds=4),
        timedelta(seconds=8),
    ]


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


def test_the_rate_limit_lets_a_burst_through_then_spaces_sends() -> None:
    limit = domain.RateLimit(per_minute=120, burst=2, now=0.0)  # 2 a second
    assert [limit.wait(0.0), limit.wait(0.0)] == [0.0, 0.0]
    assert limit.wait(0.0) == 0.5  # the third waits half a second
    assert limit.wait(10.0) == 0.0  # refilled after a pause
    unlimited = domain.RateLimit(per_minute=0)
    assert all(unlimited.wait(0.0) == 0.0 for _ in range(1000))


def test_an_address_goes_on_hold_after_the_configured_number_of_hard_bounces() -> None:
    assert not domain.on_hold(2, 3)
    assert domain.on_hold(3, 3)
    assert not domain.on_hold(99, 0)  # 0: never hold


# -- reminders ------------------------------------------------------------------------------


def test_reminders_fall_on_berlin_mornings_across_the_clock_change() -> None:
    # summer time ends on Sunday 25 October 2026: 10:00 Berlin is 08:00 UTC before, 09:00 after
    starts = datetime(2026, 10, 27, 15, 0, tzinfo=UTC)  # Tuesday 16:00 Berlin (winter time)
    deadline = datetime(2026, 10, 26, 22, 59, tzinfo=UTC)  # Monday 23:59 Berlin
    moments = reminder_moments(starts, deadline, days_before_deadline=3, hour=10)
    assert moments["reminder"] == (datetime(2026, 10, 23, 8, 0, tzinfo=UTC), deadline)
    assert moments["day_before"] == (datetime(2026, 10, 26, 9, 0, tzinfo=UTC), starts)
    # without a deadline, non-responders hear some days before the meeting
    assert reminder_moments(starts, None, 3, 10)["reminder"][0] == datetime(
        2026, 10, 24, 8, 0, tzinfo=UTC
    )


def test_a_reminder_is_due_once_within_its_window_and_never_for_cancelled_meetings() -> None:
    meeting = {
        "status": "published",
        "starts_at": datetime(2026, 3, 19, 15, 0, tzinfo=UTC),
        "registration_deadline": datetime(2026, 3, 12, 22, 59, tzinfo=UTC),
        "published_at": datetime(2026, 2, 1, tzinfo=UTC),
    }

    def due(at: datetime, **changes: object) -> list[str]:
        return due_reminders({**meeting, **changes}, at, 3, 10)

    assert due(datetime(2026, 3, 9, 8, 59, tzinfo=UTC)) == []  # 09:59 Berlin: not yet
    assert due(datetime(2026, 3, 9, 9, 0, tzinfo=UTC)) == ["reminder"]
    assert due(datetime(2026, 3, 9, 9, 0, tzinfo=UTC), reminders_done=["reminder"]) == []
    assert due(datetime(2026, 3, 13, 9, 0, tzinfo=UTC)) == []  # deadline passed: no point
    assert due(datetime(2026, 3, 18, 9, 0, tzinfo=UTC)) == ["day_before"]
    assert due(datetime(2026, 3, 19, 15, 0, tzinfo=UTC)) == []  # it has started
    assert due(datetime(2026, 3, 18, 9, 0, tzinfo=UTC), status="cancelled") == []
    # published after the moment: invitees were just invited, no reminder
    late = datetime(2026, 3, 10, tzinfo=UTC)
    assert due(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), published_at=late) == []
    assert due(datetime(2026, 3, 18, 9, 0, tzinfo=UTC), published_at=late) == ["day_before"]


def test_non_responders_are_the_invited_who_did_not_answer() -> None:
    assert non_responders(["a", "b", "c", "b"], ["b"]) == ["a", "c"]


def test_registrations_over_time_fill_gaps_and_scale_to_the_total() -> None:
    from datetime import date

    from aiq_notifications.dashboards import chart, over_time

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
    from datetime import date

    at = datetime(2026, 3, 19, 15, tzinfo=UTC)
    assert domain.partner_standing(date(2025, 3, 19), at) == "long_standing"
    assert domain.partner_standing(date(2025, 3, 20), at) == "new"
    assert domain.partner_standing(None, at) == "new"
    # organisations with partner_since but no status arrive as "new": since follows the date
    assert domain.partner_standing(date(2020, 1, 1), at) == "long_standing"


def test_table_interest_follows_a_new_choice_and_leaves_with_a_cancellation() -> None:
    from aiq_shared.contracts.registrations import RegistrationTablesChangedV1

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


def test_a_campaigns_parts_always_add_up_to_its_total() -> None:
    campaign = {"_id": "c1", "meeting_id": "m1", "total": 300, "skipped": 2}
    moving = domain.campaign_progress(campaign, sent=35, failed=1, in_flight=267)
    assert (moving.sent, moving.pending, moving.failed, moving.skipped) == (35, 262, 1, 2)
    assert not moving.done
    finished = domain.campaign_progress(campaign, sent=297, failed=1, in_flight=0)
    assert finished.pending == 0 and finished.done
    early = domain.campaign_progress({"_id": "c2", "meeting_id": "m1"}, 0, 0, in_flight=5)
    assert early.total == 0 and early.pending == 5 and not early.done


def test_only_a_pending_delivery_can_be_stopped_and_stopped_is_final() -> None:
    assert domain.STOPPABLE == ("pending",)
    assert domain.may_move("pending", "stopped")
    assert not domain.may_move("sending", "stopped")  # in flight: it goes out
    assert not any(domain.may_move("stopped", to) for to in domain.DELIVERY_STATES)
    assert not any(domain.may_move("sent", to) for to in domain.DELIVERY_STATES)
    change = domain.stopped("meeting cancelled", datetime(2026, 3, 1, tzinfo=UTC))
    assert (change.state, change.detail) == ("stopped", "meeting cancelled")


def test_stopped_invitations_are_counted_apart_from_failures() -> None:
    campaign = {"_id": "c1", "meeting_id": "m1", "total": 10, "skipped": 1}
    progress = domain.campaign_progress(campaign, sent=3, failed=1, in_flight=0, stopped=5)
    assert (progress.sent, progress.failed, progress.stopped, progress.skipped) == (3, 1, 5, 1)
    assert progress.pending == 0 and progress.done


def test_a_cancellation_is_confirmed_unless_its_meeting_was_cancelled() -> None:
    assert domain.cancellation_kind("person") == "registration_cancelled"
    assert domain.cancellation_kind("staff") == "registration_cancelled"
    assert domain.cancellation_kind(None) == "registration_cancelled"  # older events
    assert domain.cancellation_kind("offer_expired") == "offer_expired"
    assert domain.cancellation_kind("meeting_cancelled") is None
