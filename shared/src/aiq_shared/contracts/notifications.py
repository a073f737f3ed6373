"""Events on ``aiq.notifications``: what happened to an email, keyed by delivery id."""

from __future__ import annotations

from typing import Literal

from aiq_shared import topics
from aiq_shared.contracts.base import EventContract


class DeliverySentV1(EventContract):
    event_type = "aiq.delivery.sent.v1"
    topic = topics.NOTIFICATIONS

    delivery_id: str
    kind: str
    person_id: str
    meeting_id: str | None = None
    message_id: str

    def aggregate_key(self) -> str:
        return self.delivery_id


class ConsentWithdrawnV1(EventContract):
    """A person withdrew a consent through an email's unsubscribe link (keyed by person id)."""

    event_type = "aiq.consent.withdrawn.v1"
    topic = topics.NOTIFICATIONS

    person_id: str
    purpose: Literal["invitations"]
    source: str

    def aggregate_key(self) -> str:
        return self.person_id
