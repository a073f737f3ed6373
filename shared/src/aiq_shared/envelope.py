"""CloudEvents 1.0 envelope in Kafka binary mode (the cloudevents SDK's Kafka binding).

Attributes travel as ``ce_*`` record headers, the contract's JSON as the record value,
``content-type: application/json``; W3C ``traceparent`` rides along as its own header so one
registration can be followed across services.
"""

from __future__ import annotations

import json
import os
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from aiq_shared.contracts import EventContract, contract_for

CONTENT_TYPE = "application/json"
TRACEPARENT = "traceparent"

# The trace of the request or event being handled; outgoing events carry it on.
current_traceparent: ContextVar[str | None] = ContextVar("current_traceparent", default=None)

# CloudEvents extension attributes naming who caused an event (the signed-in person's token
# ``sub`` and name); a consumer's own events carry on the actor of the event it handles.
ACTOR = "aiqactor"
ACTOR_NAME = "aiqactorname"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: a staff member (token ``sub``), a person through their personal
    link (``link:<purpose>``) or the system itself (``system:<service>``)."""

    subject: str
    name: str | None = None


# The actor of the request or event being handled.
current_actor: ContextVar[Actor | None] = ContextVar("current_actor", default=None)


class InvalidEnvelope(ValueError):
    """A record that is not a CloudEvent we can read, or whose data breaks its contract."""


def new_traceparent() -> str:
    return f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"


@dataclass(frozen=True, slots=True)
class Envelope:
    id: str
    type: str
    source: str
    time: datetime
    subject: str | None
    data: dict[str, Any]
    traceparent: str | None = None
    key: str | None = field(default=None)
    actor: Actor | None = None

    def contract(self) -> EventContract:
        """The data parsed by its registered contract (unknown fields ignored)."""
        model = contract_for(self.type)
        if model is None:
            raise InvalidEnvelope(f"no contract for event type {self.type!r}")
        try:
            return model.model_validate(self.data)
        except ValidationError as error:
            raise InvalidEnvelope(f"{self.type}: {error}") from error


def wrap(
    event: EventContract,
    *,
    source: str,
    traceparent: str | None = None,
    actor: Actor | None = None,
) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        type=event.event_type,
        source=source,
        time=datetime.now(UTC),
        subject=event.aggregate_key(),
        data=event.model_dump(mode="json"),
        traceparent=traceparent,
        key=event.aggregate_key(),
        actor=actor,
    )


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def to_kafka(envelope: Envelope) -> KafkaRecord:
    attributes: dict[str, Any] = {
        "id": envelope.id,
        "type": envelope.type,
        "source": envelope.source,
        "time": envelope.time,
        "datacontenttype": CONTENT_TYPE,
    }
    if envelope.subject is not None:
        attributes["subject"] = envelope.subject
    if envelope.actor is not None:
        attributes[ACTOR] = envelope.actor.subject
        if envelope.actor.name:
            attributes[ACTOR_NAME] = envelope.actor.name
    message = ce_kafka.to_binary_event(
        CloudEvent(attributes=attributes, data=envelope.data),
        key_mapper=lambda _event: envelope.key.encode() if envelope.key else None,
    )
    headers = list(message.headers.items())
    if envelope.traceparent:
        headers.append((TRACEPARENT, envelope.traceparent.encode()))
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return KafkaRecord(key=key, value=message.value, headers=headers)


def from_kafka(
    key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | tuple
) -> Envelope:
    header_map = {name: raw for name, raw in headers}
    if "ce_type" not in header_map or "ce_id" not in header_map:
        raise InvalidEnvelope("record has no ce_id/ce_type headers")
    try:
        event = ce_kafka.from_binary_event(
            ce_kafka.KafkaMessage(
                headers={k: v for k, v in header_map.items() if k != TRACEPARENT},
                key=key,
                value=value or b"",
            )
        )
        data = event.get_data()
        if isinstance(data, (bytes, str)):
            data = json.loads(data)
    except Exception as error:  # the SDK raises several kinds for broken input
        raise InvalidEnvelope(f"unreadable CloudEvent: {error}") from error
    if not isinstance(data, dict):
        raise InvalidEnvelope("CloudEvent data is not a JSON object")
    trace = header_map.get(TRACEPARENT)
    actor_subject, actor_name = event.get_extension(ACTOR), event.get_extension(ACTOR_NAME)
    actor = (
        Actor(subject=str(actor_subject), name=str(actor_name) if actor_name else None)
        if actor_subject
        else None
    )
    return Envelope(
        id=str(event.get_id()),
        type=str(event.get_type()),
        source=str(event.get_source()),
        time=event.get_time() or datetime.now(UTC),
        subject=event.get_subject(),
        data=data,
        traceparent=trace.decode() if trace else None,
        key=key.decode() if key else None,
        actor=actor,
    )
