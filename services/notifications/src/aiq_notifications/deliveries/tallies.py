"""Tallies of deliveries by what became of them: a campaign's, and a meeting's emails to one
district's people. Kept up to date in the transaction that moves a delivery, so a campaign's
progress and a dashboard's counts are read, not counted over the deliveries (which carry
their rendered emails). Plain Python, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class DeliveryTally(BaseModel):
    """Deliveries by what became of them, kept up to date with every move of one
    (``repository.DeliveryTalliesRepository``): a campaign's (its id is the tally's), and a
    meeting's emails to one district's people (``meeting_id`` and ``district``). A
    campaign's progress and a dashboard's counts are read, not counted."""

    id: str
    meeting_id: str | None = None
    district: str | None = None
    decided: int = 0  # deliveries written
    sent: int = 0
    dead: int = 0
    stopped: int = 0

    @property
    def in_flight(self) -> int:
        """Pending or being sent."""
        return max(self.decided - self.sent - self.dead - self.stopped, 0)

    def plus(self, other: DeliveryTally) -> DeliveryTally:
        return self.model_copy(
            update={
                "decided": self.decided + other.decided,
                "sent": self.sent + other.sent,
                "dead": self.dead + other.dead,
                "stopped": self.stopped + other.stopped,
            }
        )


class Tallied(Protocol):
    """What a delivery's tallies are found by (a delivery, or the few fields of one)."""

    @property
    def campaign_id(self) -> str | None: ...
    @property
    def meeting_id(self) -> str | None: ...
    @property
    def district(self) -> str: ...


class TalliedDelivery(BaseModel):
    """A delivery's fields its tallies are found by, as read for a change of many."""

    model_config = ConfigDict(extra="ignore")

    id: str
    campaign_id: str | None = None
    meeting_id: str | None = None
    district: str


def meeting_tally_id(meeting_id: str, district: str) -> str:
    """The tally of a meeting's emails to one district's people."""
    return f"{meeting_id}|{district}"


def tally_counts(deliveries: Iterable[Tallied]) -> Counter[tuple[str, str | None, str | None]]:
    """How many of ``deliveries`` each tally counts: (tally id, meeting, district)."""
    counts: Counter[tuple[str, str | None, str | None]] = Counter()
    for delivery in deliveries:
        if delivery.campaign_id:
            counts[(delivery.campaign_id, None, None)] += 1
        if delivery.meeting_id:
            tally = meeting_tally_id(delivery.meeting_id, delivery.district)
            counts[(tally, delivery.meeting_id, delivery.district)] += 1
    return counts
