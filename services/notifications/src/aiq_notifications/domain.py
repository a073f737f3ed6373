"""Notifications domain: recipients, deliveries and the district dashboard. Plain Python, no I/O.

A delivery is one email to one person about one thing (an invitation to a meeting, a
confirmation of a registration, ...). Its ``key`` (kind + recipient + subject) is unique, so
the same event handled twice cannot make two emails, and its Message-ID is derived from the
key. States: pending -> sending -> sent, or back to pending with a backoff after a temporary
failure, and dead after the last attempt or a permanent refusal; a pending one is stopped
when it is no longer wanted (see ``MOVES``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from aiq_shared.contracts.contacts import PersonSnapshot
from aiq_shared.contracts.registrations import RegistrationSnapshot

DeliveryKind = Literal[
    "invitation",
    "confirmation",
    "waitlist",
    "promotion",
    "change",
    "cancellation",
    "reminder",
    "day_before",
    "double_opt_in",
    "move_up_offer",
    "tables",  # where the person sits at topic tables (assignment, a table's move-up)
    "table_choice",  # their new choice of topic tables, confirmed
    "registration_cancelled",  # their cancellation, confirmed
    "offer_expired",  # a move-up offer lapsed: the registration ended
]
DeliveryState = Literal["pending", "sending", "sent", "dead", "stopped"]
DELIVERY_STATES: tuple[DeliveryState, ...] = get_args(DeliveryState)

# The delivery state machine: where a delivery may go from each state. ``dead`` is a failure
# (refused, or out of attempts); ``stopped`` is no failure: the email is no longer wanted
# (its meeting was cancelled, the invitee declined) and was not sent.
MOVES: dict[DeliveryState, frozenset[DeliveryState]] = {
    "pending": frozenset({"sending", "dead", "stopped"}),
    "sending": frozenset({"sent", "pending", "dead"}),  # in flight: it cannot be called back
    "sent": frozenset(),
    "dead": frozenset(),
    "stopped": frozenset(),
}
STOPPABLE: tuple[DeliveryState, ...] = tuple(s for s in DELIVERY_STATES if "stopped" in MOVES[s])


def may_move(state: DeliveryState, to: DeliveryState) -> bool:
    return to in MOVES[state]


class Recipient(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    display_name: str
    email: str | None = None
    district: str
    email_consent: bool = False
    organisation_id: str | None = None  # the main one: its officer signs the emails

    @classmethod
    def from_event(cls, person: PersonSnapshot) -> Recipient:
        return cls(
            id=person.person_id,
            display_name=person.display_name,
            email=person.email,
            district=person.district,
            email_consent=person.email_consent,
            organisation_id=person.organisation_id,
        )

    @property
    def reachable(self) -> bool:
        return bool(self.email) and self.email_consent


class StateChange(BaseModel):
    state: DeliveryState
    at: datetime
    detail: str | None = None


class Delivery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    key: str
    kind: DeliveryKind
    person_id: str
    email: str | None  # None once the person was erased
    district: str
    meeting_id: str | None = None
    campaign_id: str | None = None
    subject_id: str
    message_id: str
    state: DeliveryState = "pending"
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    stop_reason: str | None = None  # why a stopped delivery was not sent
    history: list[StateChange]
    created_at: datetime
    sent_at: datetime | None = None


def stopped(reason: str, at: datetime) -> StateChange:
    return StateChange(state="stopped", at=at, detail=reason)


def delivery_key(kind: DeliveryKind, person_id: str, subject_id: str) -> str:
    return f"{kind}:{person_id}:{subject_id}"


def message_id_for(key: str, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class CampaignProgress(BaseModel):
    """Where an invitation campaign stands: every invitation is exactly one of
    sent, pending (not yet sent, or not yet arrived here), failed (dead) or skipped
    (no consent or no address when it arrived)."""

    campaign_id: str
    meeting_id: str
    meeting_title: str
    total: int
    sent: int
    pending: int
    failed: int
    skipped: int
    stopped: int = 0  # not sent since the meeting was cancelled (no failure)
    done: bool
    started_at: datetime | None = None


def campaign_progress(
    campaign: dict[str, object], sent: int, failed: int, in_flight: int, stopped: int = 0
) -> CampaignProgress:
    total = int(campaign.get("total", 0))  # type: ignore[call-overload]
    skipped = int(campaign.get("skipped", 0))  # type: ignore[call-overload]
    # counted one state at a time, so a delivery may move between two counts: the total
    # decides, unless the campaign's start has not arrived yet (then what is on its way)
    pending = max(total - sent - failed - skipped - stopped, 0) if total else in_flight
    return CampaignProgress(
        campaign_id=str(campaign["_id"]),
        meeting_id=str(campaign["meeting_id"]),
        meeting_title=str(campaign.get("meeting_title", "")),
        total=total,
        sent=sent,
        pending=pending,
        failed=failed,
        skipped=skipped,
        stopped=stopped,
        done=pending == 0,
        started_at=campaign.get("started_at"),  # type: ignore[arg-type]
    )


# -- reminders ---------------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
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
    meeting: dict[str, object], now: datetime, days_before_deadline: int, hour: int
) -> list[ReminderKind]:
    """The reminders of a meeting (read-model document) that are due now and not yet sent.

    A moment that had passed before the meeting was published never falls due: invitees who
    were just invited need no reminder, and "tomorrow" for a meeting in two hours is wrong.
    """
    if meeting.get("status") != "published" or not meeting.get("starts_at"):
        return []
    published_at = meeting.get("published_at") or now
    done = set(meeting.get("reminders_done") or [])  # type: ignore[call-overload]
    moments = reminder_moments(
        meeting["starts_at"],  # type: ignore[arg-type]
        meeting.get("registration_deadline"),  # type: ignore[arg-type]
        days_before_deadline,
        hour,
    )
    return [
        kind
        for kind, (due, until) in moments.items()
        if kind not in done and published_at <= due <= now < until  # type: ignore[operator]
    ]


def non_responders(invited: Iterable[str], responded: Iterable[str]) -> list[str]:
    """People invited who have neither registered nor declined (in order, once each)."""
    answered = set(responded)
    return list(dict.fromkeys(p for p in invited if p not in answered))


def registration_kind(change: str) -> DeliveryKind:
    """The email a registration's confirmation, waitlisting or move-up calls for."""
    return {"confirmed": "confirmation", "waitlisted": "waitlist", "promoted": "promotion"}[change]


def cancellation_kind(reason: str | None) -> DeliveryKind | None:
    """The email a cancelled registration calls for: a short confirmation when the person
    (through their link) or staff cancelled it (older events name nobody), a note when a
    move-up offer lapsed; none for any other reason (a cancelled meeting has its own email)."""
    if reason == "offer_expired":
        return "offer_expired"
    return "registration_cancelled" if reason in (None, "person", "staff") else None


def registration_state(change: str, status: str) -> str:
    """Where a registration stands after a change: confirmed, waitlisted or cancelled (a change
    of topic tables leaves it where its event says it is)."""
    if change == "tables_changed":
        return status
    return {"promoted": "confirmed", "checked_in": "confirmed"}.get(change, change)


def backoff(attempts: int, first: float) -> timedelta:
    """Exponential backoff after the n-th failed attempt: first, 2*first, 4*first, ..."""
    return timedelta(seconds=first * 2 ** max(attempts - 1, 0))


class RateLimit:
    """A token bucket: ``per_minute`` sends a minute, in bursts of at most ``burst``.

    ``wait(now)`` says how long to wait before the next send (0.0: go), and takes the token.
    """

    def __init__(self, per_minute: int, burst: int | None = None, now: float = 0.0) -> None:
        self.per_second = per_minute / 60
        self.capacity = float(burst or max(1, per_minute // 60))
        self.tokens = self.capacity
        self.updated = now

    def wait(self, now: float) -> float:
        if self.per_second <= 0:
            return 0.0
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        missing = 1 - self.tokens
        self.tokens -= 1  # taken now, paid for by the wait
        return missing / self.per_second


def on_hold(hard_bounces: int, limit: int) -> bool:
    """An address that refused permanently this often gets no more emails (until reset)."""
    return limit > 0 and hard_bounces >= limit


# -- district dashboard -----------------------------------------------------------------------

Change = Literal["confirmed", "waitlisted", "cancelled", "promoted", "checked_in", "tables_changed"]


Standing = Literal["new", "long_standing"]
LONG_STANDING_AFTER = timedelta(days=365)


def partner_standing(partner_since: date | None, at: datetime) -> Standing:
    """A company is a long-standing partner after a year of partnership (``partner_since``),
    whatever its relationship status says; before, or without a known start, it is new."""
    if partner_since is None:
        return "new"
    return "long_standing" if at.date() - partner_since >= LONG_STANDING_AFTER else "new"


def counted_tables(state: str, registration: RegistrationSnapshot) -> list[str]:
    """The topic tables a registration counts for on the dashboard: its chosen (or assigned)
    tables while it holds a seat."""
    return list(registration.topic_table_ids) if state == "confirmed" else []


def _counted_before(
    change: Change, registration: RegistrationSnapshot, previous: str | None
) -> list[str]:
    """What a registration counted for before this event, as far as the event tells (for
    registrations recorded before the read model kept it)."""
    if change == "checked_in" or (change == "cancelled" and previous == "confirmed"):
        return list(registration.topic_table_ids)
    if change == "tables_changed" and registration.status == "confirmed":
        return list(getattr(registration, "previous_topic_table_ids", []))
    return []


def dashboard_increments(
    change: Change,
    registration: RegistrationSnapshot,
    previous: str | None = None,
    day: date | None = None,
    standing: Standing | None = None,
    counted: list[str] | None = None,
) -> dict[str, int]:
    """The counter changes one registration event makes on its district's dashboard.

    ``day`` (Berlin) counts a new registration for the chart of registrations over time;
    Registered, waitlisted, checked-in and cancelled count people (a school group's
    registration holds its whole group's seats, as the capacity does);
    ``standing`` splits registrations between new and long-standing partner companies; ``counted``
    is what the registration counted for at topic tables so far (None: not known): interest
    moves from those tables to the ones it counts for now, so a new choice replaces the old
    one and a cancellation takes it away.
    """
    inc: dict[str, int] = {}

    def add(field: str, n: int) -> None:
        inc[field] = inc.get(field, 0) + n

    people = max(registration.seats, 1)  # a school group's registration: all of it

    def seats(n: int) -> None:
        add("registered", n * people)
        if standing:
            add(f"partners.{standing}", n)  # partner companies count once each

    if change in ("confirmed", "waitlisted") and day is not None:
        add(f"registrations_by_day.{day.isoformat()}", 1)
    if change == "confirmed":
        seats(1)
    elif change == "waitlisted":
        add("waitlisted", people)
    elif change == "promoted":
        add("waitlisted", -people)
        seats(1)
    elif change == "checked_in":
        add("checked_in", people)
    elif change == "cancelled":
        add("cancelled", people)
        if previous == "confirmed":
            seats(-1)
        elif previous == "waitlisted":
            add("waitlisted", -people)
    before = Counter(
        _counted_before(change, registration, previous) if counted is None else counted
    )
    now = Counter(counted_tables(registration_state(change, registration.status), registration))
    for table in sorted(set(before) | set(now)):
        if now[table] != before[table]:
            add(f"table_registrations.{table}", now[table] - before[table])
    return inc
