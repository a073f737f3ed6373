"""Reminders: when they fall due and whom they go to. Plain Python, no I/O.

Non-responders hear some days before the registration deadline (or the meeting, without
one), registrants the day before the meeting; both at a set hour, Europe/Berlin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any, Literal

from aiq_notifications.directory.rules import Invitation
from aiq_notifications.registrations.rules import KnownRegistration
from aiq_shared.dates import BERLIN

ReminderKind = Literal["reminder", "day_before"]


def _berlin_morning(day: datetime, days_earlier: int, hour: int) -> datetime:
    """``hour`` o'clock Berlin time, ``days_earlier`` calendar days before ``day`` (in Berlin):
    the wall-clock hour holds across a change to or from summer time."""
    local_day = day.astimezone(BERLIN).date() - timedelta(days=days_earlier)
    return datetime.combine(local_day, time(hour), tzinfo=BERLIN)


def reminder_moments(
    starts_at: datetime,
    registration_deadline: datetime | None,
    days_before_deadline: int,
    hour: int,
) -> dict[ReminderKind, tuple[datetime, datetime]]:
    """When each reminder is due, and until when it still makes sense (a window).

    Non-responders hear ``days_before_deadline`` days before the registration deadline (or
    before the meeting, without one), at ``hour`` Berlin time, as long as they can still
    register; registrants hear the day before the meeting, until it starts.
    """
    closes = registration_deadline or starts_at
    return {
        "reminder": (_berlin_morning(closes, days_before_deadline, hour), closes),
        "day_before": (_berlin_morning(starts_at, 1, hour), starts_at),
    }


def due_reminders(
    meeting: Mapping[str, Any], now: datetime, days_before_deadline: int, hour: int
) -> list[ReminderKind]:
    """The reminders of a meeting (read-model document) that are due now and not yet sent.

    A moment that had passed before the meeting was published never falls due: invitees who
    were just invited need no reminder, and "tomorrow" for a meeting in two hours is wrong.
    """
    if meeting.get("status") != "published" or not meeting.get("starts_at"):
        return []
    published_at = meeting.get("published_at") or now
    done = set(meeting.get("reminders_done") or [])
    moments = reminder_moments(
        meeting["starts_at"],
        meeting.get("registration_deadline"),
        days_before_deadline,
        hour,
    )
    return [
        kind
        for kind, (due, until) in moments.items()
        if kind not in done and published_at <= due <= now < until
    ]


def non_responders(invited: Iterable[str], responded: Iterable[str]) -> list[str]:
    """People invited who have neither registered nor declined (in order, once each)."""
    answered = set(responded)
    return list(dict.fromkeys(p for p in invited if p not in answered))


def audience(
    kind: ReminderKind,
    registrations: Sequence[KnownRegistration],
    invitations: Mapping[str, Invitation],
) -> dict[str, str | None]:
    """Whom a reminder goes to, each with their check-in code (registrants only).

    ``reminder``: the invited (``invitations`` by person) who neither registered nor
    declined; ``day_before``: the confirmed registrants."""
    if kind == "reminder":
        declined = [p for p, i in invitations.items() if i.declined_at]
        responded = [*(r.person_id for r in registrations), *declined]
        return dict.fromkeys(non_responders(invitations, responded))
    return {r.person_id: r.check_in_code for r in registrations if r.state == "confirmed"}
