"""A registration's places at topic tables as the emails show them, and the identity of a
seating (so the same seats twice make one email). Plain Python, no I/O.

Only tables where the registration is ``seated`` are the person's own; those it waits for are
named as such. A registration without seats yet (a ranked choice before the assignment step,
or an event from before seats were told) shows its chosen tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aiq_shared.contracts.registrations import RegistrationSnapshot


@dataclass(frozen=True, slots=True)
class Place:
    round: int
    title: str


@dataclass(frozen=True, slots=True)
class Seating:
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
