"""Deliveries: their identity, the state machine and its transitions, backoff, the rate limit,
address holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiq_notifications.deliveries import rules as domain

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


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


def test_only_a_pending_delivery_can_be_stopped_and_stopped_is_final() -> None:
    assert domain.STOPPABLE == ("pending",)
    assert domain.may_move("pending", "stopped")
    assert not domain.may_move("sending", "stopped")  # in flight: it goes out
    assert not any(domain.may_move("stopped", to) for to in domain.DELIVERY_STATES)
    assert not any(domain.may_move("sent", to) for to in domain.DELIVERY_STATES)
    change = domain.stopped("meeting cancelled", datetime(2026, 3, 1, tzinfo=UTC))
    assert (change.state, change.detail) == ("stopped", "meeting cancelled")
