"""Events on ``aiq.notifications``: what happened to an email, keyed by delivery id."""

from __future__ import annotations

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
