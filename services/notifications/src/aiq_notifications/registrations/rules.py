"""Registrations as notifications sees them: where one stands after each of its events, the
email each event calls for, and where it sits at topic tables as the emails show it (with
the identity of a seating, so the same seats twice make one email). Plain Python, no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from aiq_notifications.deliveries.rules import DeliveryKind, Place, Seating
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationSnapshot,
    RegistrationTablesChangedV1,
)

Change = Literal["confirmed", "waitlisted", "cancelled", "promoted", "checked_in", "tables_changed"]
State = Literal["confirmed", "waitlisted", "cancelled"]
Standing = Literal["new", "long_standing"]


class KnownRegistration(BaseModel):
    """A registration as kept here: who to tell of a meeting's changes, and what it counts
    for on the dashboard (``standing``, ``tables``: None when recorded before they were)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str
    person_id: str
    state: str
    check_in_code: str | None = None
    standing: Standing | None = None
    tables: list[str] | None = None


def registration_state(change: Change, status: str) -> str:
    """Where a registration stands after a change: confirmed, waitlisted or cancelled (a change
    of topic tables leaves it where its event says it is)."""
    if change == "tables_changed":
        return status
    return {"promoted": "confirmed", "checked_in": "confirmed"}.get(change, change)


def previous_state(registration: RegistrationSnapshot) -> str | None:
    """What a cancellation ended (confirmed or waitlisted); None for any other event."""
    if isinstance(registration, RegistrationCancelledV1):
        return registration.previous_status
    return None


def cancellation_kind(reason: str | None) -> DeliveryKind | None:
    """The email a cancelled registration calls for: a short confirmation when the person
    (through their link) or staff cancelled it (older events name nobody), a note when a
    move-up offer lapsed; none for any other reason (a cancelled meeting has its own email)."""
    if reason == "offer_expired":
        return "offer_expired"
    return "registration_cancelled" if reason in (None, "person", "staff") else None


def tables_kind(event: RegistrationTablesChangedV1) -> DeliveryKind | None:
    """Their new choice confirmed, or where they sit now; nothing for a cancelled one."""
    if event.status == "cancelled":
        return None
    return "table_choice" if event.reason == "choice" else "tables"


def tables_subject(event: RegistrationTablesChangedV1, kind: DeliveryKind) -> str:
    """One email per distinct choice (``table_choice``) or seating (``tables``)."""
    same = choice_key(event) if kind == "table_choice" else seating_key(event)
    return f"{event.registration_id}:{same}"


def needs_table_titles(registration: RegistrationSnapshot) -> bool:
    """A registration naming topic tables is told with their titles (from its meeting)."""
    return bool(registration.topic_table_ids or registration.table_seats)


# -- seating -----------------------------------------------------------------------------------


def seating_of(registration: RegistrationSnapshot, titles: Mapping[str, str]) -> Seating:
    """Where the registration sits and waits, per round, in the titles people know."""
    if not registration.table_seats:
        return Seating(chosen=[titles.get(t, t) for t in registration.topic_table_ids])
    seats = sorted(registration.table_seats, key=lambda s: s.round)
    places = {
        status: [
            Place(s.round, titles.get(s.topic_table_id, s.topic_table_id))
            for s in seats
            if s.status == status
        ]
        for status in ("seated", "waitlisted")
    }
    return Seating(seated=places["seated"], waiting=places["waitlisted"])


def seating_key(registration: RegistrationSnapshot) -> str:
    """The same seats (in whatever order they are told) give the same key."""
    return _digest(f"{s.round}:{s.topic_table_id}:{s.status}" for s in registration.table_seats)


def choice_key(registration: RegistrationSnapshot) -> str:
    """The same choice (a ranking: in its order) gives the same key."""
    return _digest(registration.topic_table_ids, ordered=True)


def _digest(parts: Iterable[str], ordered: bool = False) -> str:
    items = list(parts) if ordered else sorted(parts)
    return hashlib.sha256("|".join(items).encode()).hexdigest()[:16]
