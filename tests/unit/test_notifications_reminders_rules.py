"""Reminders: when they are due (Berlin mornings, once, within their window) and whom they go
to."""

from __future__ import annotations

from datetime import UTC, datetime

from aiq_notifications.directory.rules import Invitation
from aiq_notifications.registrations.rules import KnownRegistration
from aiq_notifications.reminders.rules import (
    audience,
    due_reminders,
    non_responders,
    reminder_moments,
)


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


# -- issue 10: whom a reminder goes to, reachable without a database ---------------------------


def _invited(person_id: str, declined: bool = False) -> Invitation:
    return Invitation(
        id=f"inv-{person_id}",
        meeting_id="m1",
        person_id=person_id,
        declined_at=datetime(2026, 3, 2, tzinfo=UTC) if declined else None,
    )


def _registered(person_id: str, state: str, code: str | None = None) -> KnownRegistration:
    return KnownRegistration(
        id=f"r-{person_id}", meeting_id="m1", person_id=person_id, state=state, check_in_code=code
    )


def test_the_reminder_goes_to_who_neither_registered_nor_declined() -> None:
    invitations = {p: _invited(p, declined=p == "dana") for p in ("anna", "ben", "dana", "emre")}
    registrations = [_registered("anna", "confirmed"), _registered("ben", "cancelled")]
    # a cancelled registration answered the invitation too: Ben hears no reminder
    assert audience("reminder", registrations, invitations) == {"emre": None}


def test_the_day_before_goes_to_confirmed_registrants_with_their_check_in_codes() -> None:
    registrations = [
        _registered("anna", "confirmed", "A-1"),
        _registered("ben", "waitlisted", "B-1"),
        _registered("walk-in", "confirmed"),
    ]
    assert audience("day_before", registrations, {"carla": _invited("carla")}) == {
        "anna": "A-1",
        "walk-in": None,
    }
