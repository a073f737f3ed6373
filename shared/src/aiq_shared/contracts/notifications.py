"""Events on ``aiq.notifications``: what happened to an email, keyed by delivery id."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

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
    purpose: Literal["invitations", "newsletter"]
    source: str

    def aggregate_key(self) -> str:
        return self.person_id


class ConsentConfirmedV1(EventContract):
    """A person clicked the double opt-in link of ``aiq.double_opt_in.requested.v1``."""

    event_type = "aiq.consent.confirmed.v1"
    topic = topics.NOTIFICATIONS

    request_id: str
    person_id: str
    purpose: Literal["invitations", "newsletter"]
    text_version: str
    confirmed_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.person_id
