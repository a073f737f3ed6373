"""Deliveries: their identity, the state machine and its transitions, backoff, the rate limit,
address holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiq_notifications.deliveries import rules as domain
from aiq_notifications.deliveries.rules import Content, RenderedEmail

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


# -- the transitions (issue 10: reachable without SMTP) ---------------------------------------


def test_a_new_delivery_is_pending_and_due_at_once() -> None:
    delivery = domain.new_delivery(
        delivery_id="d1",
        kind="invitation",
        person_id="p1",
        email="anna@betrieb.example",
        district="Hörde",
        meeting_id="m1",
        subject_id="m1",
        campaign_id="c1",
        message_id_domain="aiq.example",
        now=NOW,
    )
    assert delivery.key == "invitation:p1:m1"
    assert delivery.message_id == domain.message_id_for(delivery.key, "aiq.example")
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("pending", 0, NOW)
    assert [h.state for h in delivery.history] == ["pending"]


def test_a_temporary_failure_waits_longer_each_time_until_the_last_attempt_is_dead() -> None:
    first = domain.after_temporary_failure(1, "451 later", NOW, max_attempts=3, first_backoff_s=2)
    assert (first.change.state, first.change.detail) == ("pending", "451 later")
    assert first.fields == {
        "next_attempt_at": NOW + timedelta(seconds=2),
        "last_error": "451 later",
    }
    second = domain.after_temporary_failure(2, "451 later", NOW, 3, 2)
    assert second.fields["next_attempt_at"] == NOW + timedelta(seconds=4)
    last = domain.after_temporary_failure(3, "451 later", NOW, 3, 2)
    assert last.change.state == "dead"
    assert last.fields == {"last_error": "last attempt failed: 451 later"}
    assert domain.may_move("sending", first.change.state)
    assert domain.may_move("sending", last.change.state)


def test_sent_and_dead_are_moves_from_sending() -> None:
    sent, dead = domain.sent(NOW), domain.dead("550 unknown", NOW)
    assert (sent.change.state, sent.fields) == ("sent", {"sent_at": NOW})
    assert (dead.change.state, dead.fields) == ("dead", {"last_error": "550 unknown"})
    assert all(domain.may_move("sending", m.change.state) for m in (sent, dead))
    assert domain.claim_lease(10.0) == timedelta(seconds=30)  # longer than a conversation


def test_what_a_delivery_says_is_kept_and_given_back_to_the_sender() -> None:
    rendered = RenderedEmail(
        subject="Einladung",
        text="Hallo",
        html="<p>Hallo</p>",
        ics="BEGIN:VCALENDAR",
        ics_method="CANCEL",
        unsubscribe_url="https://aiq.example/unsubscribe/x",
        check_in_code="C-1",
        sender_name="Aylin Yılmaz · Ausbildung im Quartier",
        reply_to="a.yilmaz@aiq.example",
    )
    content = Content.of("Anna Beispiel", rendered)
    assert content.recipient_name == "Anna Beispiel"
    assert (content.sender_name, content.reply_to) == (rendered.sender_name, rendered.reply_to)
    again = Content.model_validate(content.model_dump())  # as stored and read back
    assert (again.subject, again.text, again.html, again.ics) == (
        "Einladung", "Hallo", "<p>Hallo</p>", "BEGIN:VCALENDAR",
    )  # fmt: skip
    assert (again.ics_method, again.check_in_code) == ("CANCEL", "C-1")
