"""Deliveries: one email to one person about one thing (an invitation to a meeting, a
confirmation of a registration, ...). Plain Python, no I/O.

A delivery's ``key`` (kind + recipient + subject) is unique, so the same event handled twice
cannot make two emails, and its Message-ID is derived from the key. Its ``districts`` say
who may see it (:func:`delivery_districts`): the recipient's district and the districts of
the meeting it is about. States: pending ->
sending -> sent, or back to pending with a backoff after a temporary failure, and dead after
the last attempt or a permanent refusal; a pending one is stopped when it is no longer wanted
(see ``MOVES``). The transitions are made here (:class:`Move`); the repository writes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

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
DELIVERY = "delivery"  # what the audit trail calls one
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
# Not done yet: what the sender still has to take (``/ready`` reports how many wait).
WAITING: tuple[DeliveryState, ...] = ("pending", "sending")


def may_move(state: DeliveryState, to: DeliveryState) -> bool:
    return to in MOVES[state]


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
    district: str  # the recipient's, when it was decided (the dashboards count by it)
    # who may see it: the recipient's district and the meeting's (delivery_districts)
    districts: list[str] = []
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


class Due(BaseModel):
    """A delivery in the send queue (``send_queue/repository.py``): small, apart from
    what the email says, so that finding the next one to send never reads rendered emails.

    ``due_at`` is when the sender takes it: its next attempt while it waits, the end of its
    claim's lease once a sender has it (after which another takes it: the first one died).
    ``handed_over_at`` is set once the SMTP server accepted it, until its delivery records
    that; a sender that finds it due again records it as sent and sends nothing."""

    id: str  # the delivery's
    due_at: datetime
    handed_over_at: datetime | None = None


class RenderedEmail(BaseModel):
    """An email as rendered (emails.render): what the sender hands over."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subject: str
    text: str
    html: str
    ics: str | None = None
    ics_method: str = "REQUEST"
    unsubscribe_url: str | None = None
    check_in_code: str | None = None
    # who signed it: the sender's display name and where replies go (Reply-To)
    sender_name: str | None = None
    reply_to: str | None = None


class Content(RenderedEmail):
    """What a delivery says, rendered when it was decided and kept with it until it is sent
    (gone on erasure): the email and the recipient's name."""

    recipient_name: str

    @classmethod
    def of(cls, recipient_name: str, rendered: RenderedEmail) -> Content:
        return cls(recipient_name=recipient_name, **rendered.model_dump())


class Claimed(Delivery):
    """A delivery the sender has taken (state sending), with what it says (None: erased)."""

    content: Content | None = None


def delivery_key(kind: DeliveryKind, person_id: str, subject_id: str) -> str:
    return f"{kind}:{person_id}:{subject_id}"


def message_id_for(key: str, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def delivery_districts(recipient_district: str, meeting_districts: Iterable[str] = ()) -> list[str]:
    """Where a delivery is visible: an officer sees the emails to her districts' people and
    every email about her districts' meetings (a meeting for nine districts: in each)."""
    return sorted({recipient_district, *meeting_districts})


def new_delivery(
    *,
    delivery_id: str,
    kind: DeliveryKind,
    person_id: str,
    email: str,
    district: str,
    meeting_id: str | None,
    meeting_districts: Iterable[str] = (),
    subject_id: str,
    campaign_id: str | None,
    message_id_domain: str,
    now: datetime,
) -> Delivery:
    """A delivery decided now: pending, due at once."""
    key = delivery_key(kind, person_id, subject_id)
    return Delivery(
        id=delivery_id,
        key=key,
        kind=kind,
        person_id=person_id,
        email=email,
        district=district,
        districts=delivery_districts(district, meeting_districts),
        meeting_id=meeting_id,
        campaign_id=campaign_id,
        subject_id=subject_id,
        message_id=message_id_for(key, message_id_domain),
        next_attempt_at=now,
        history=[StateChange(state="pending", at=now)],
        created_at=now,
    )


# -- what an email is called ------------------------------------------------------------------

SUBJECTS = {
    "invitation": "Einladung: {title}",
    "confirmation": "Anmeldung bestätigt: {title}",
    "waitlist": "Warteliste: {title}",
    "promotion": "Anmeldung bestätigt: {title}",
    "change": "Geänderte Veranstaltung: {title}",
    "cancellation": "Abgesagt: {title}",
    "reminder": "Erinnerung: Anmeldung zu {title}",
    "day_before": "Morgen: {title}",
    "double_opt_in": "Bitte bestätigen: E-Mails von Ausbildung im Quartier",
    "move_up_offer": "Ein Platz ist frei: {title}",
    "tables": "Ihre Thementische: {title}",
    "table_choice": "Thementische gespeichert: {title}",
    "registration_cancelled": "Absage erhalten: {title}",
    "offer_expired": "Platzangebot abgelaufen: {title}",
}
PURPOSES = {
    "invitations": "Einladungen zu Treffen und Veranstaltungen von Ausbildung im Quartier",
    "newsletter": "den Newsletter von Ausbildung im Quartier",
}


def subject(kind: str, title: str) -> str:
    return SUBJECTS[kind].format(title=title)


# -- the transitions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A delivery's next state, with the fields that change with it."""

    change: StateChange
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        """What the audit trail calls it: the state reached (back to pending: a retry)."""
        return "retry_scheduled" if self.change.state == "pending" else self.change.state

    @property
    def changed_fields(self) -> list[str]:
        return sorted({"state", "history", *self.fields})


def sent(at: datetime) -> Move:
    return Move(StateChange(state="sent", at=at), {"sent_at": at})


def dead(reason: str, at: datetime) -> Move:
    return Move(StateChange(state="dead", at=at, detail=reason), {"last_error": reason})


def stopped(reason: str, at: datetime) -> StateChange:
    return StateChange(state="stopped", at=at, detail=reason)


def after_temporary_failure(
    attempts: int, error: str, at: datetime, max_attempts: int, first_backoff_s: float
) -> Move:
    """A temporary refusal (4xx, connection trouble): pending again after a backoff, or dead
    after the last attempt."""
    if attempts >= max_attempts:
        return dead(f"last attempt failed: {error}", at)
    return Move(
        StateChange(state="pending", at=at, detail=error),
        {"next_attempt_at": at + backoff(attempts, first_backoff_s), "last_error": error},
    )


def backoff(attempts: int, first: float) -> timedelta:
    """Exponential backoff after the n-th failed attempt: first, 2*first, 4*first, ..."""
    return timedelta(seconds=first * 2 ** max(attempts - 1, 0))


def claim_lease(smtp_timeout_s: float) -> timedelta:
    """How long a claim holds: longer than any SMTP conversation; after a crash it expires
    and the delivery is taken again."""
    return timedelta(seconds=3 * smtp_timeout_s)


@dataclass(frozen=True)
class Lease:
    """A sender's hold on the deliveries it claimed together: whose (``token``, one per
    claim) and until when. The sender sends one of them only while a whole SMTP conversation
    still fits in it with one to spare, and renews it otherwise (``Sending.keep``)."""

    token: str
    until: datetime

    @classmethod
    def new(cls, token: str, now: datetime, smtp_timeout_s: float) -> Lease:
        return cls(token, now + claim_lease(smtp_timeout_s))

    def room_for_a_send(self, now: datetime, smtp_timeout_s: float) -> bool:
        return now + timedelta(seconds=2 * smtp_timeout_s) <= self.until


# -- address holds ---------------------------------------------------------------------------


class HardBounces(BaseModel):
    """How often an address refused permanently (kept per address)."""

    id: str  # the address
    hard_bounces: int = 0


def address_ref(email: str) -> str:
    """How the audit trail names an address hold: a digest of the address, never the address
    itself (no personal data in the trail)."""
    return "sha256:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def on_hold(hard_bounces: int, limit: int) -> bool:
    """An address that refused permanently this often gets no more emails (until reset)."""
    return limit > 0 and hard_bounces >= limit


# -- what an email shows of a registration's topic tables -------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    round: int
    title: str


@dataclass(frozen=True, slots=True)
class Seating:
    """A registration's places at topic tables as an email shows them: only tables where it
    is ``seated`` are the person's own; those it waits for are named as such. Without seats
    yet (a ranked choice before the assignment step) it shows the chosen tables."""

    seated: list[Place] = field(default_factory=list)
    waiting: list[Place] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # no seats known yet: the choice

    @property
    def by_round(self) -> bool:
        """Name the rounds only when there is more than one."""
        return len({p.round for p in [*self.seated, *self.waiting]}) > 1

    @property
    def empty(self) -> bool:
        return not (self.seated or self.waiting or self.chosen)
