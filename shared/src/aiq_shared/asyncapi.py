"""The AsyncAPI 3.0 document of every topic and event, made from the contracts themselves.

Each topic is a channel (keyed as ``aiq_shared.topics`` says); each contract a message on its
topic's channel, its payload the contract's JSON schema (the same one pinned in
tests/unit/contracts/), its CloudEvents attributes as Kafka headers. Every service serves it at
``/asyncapi.json``; which service sends and which receives what is given by ``producers`` and
``consumers`` (the services' own declarations).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiq_shared import topics
from aiq_shared.contracts import REGISTRY, EventContract

KEYS = {
    topics.CONTACTS: "person or organisation id",
    topics.EVENTS: "meeting id",
    topics.REGISTRATIONS: "meeting id (one meeting's changes stay in order)",
    topics.NOTIFICATIONS: "delivery id (consent events: person id)",
}
# Which topics each service's outbox publishes to.
SENDS = {
    "contacts": (topics.CONTACTS,),
    "events": (topics.EVENTS, topics.REGISTRATIONS),
    "notifications": (topics.NOTIFICATIONS,),
}
HEADERS = {
    "type": "object",
    "properties": {
        "ce_id": {"type": "string"},
        "ce_type": {
            "type": "string",
            "description": "the message name, e.g. aiq.person.created.v1",
        },
        "ce_source": {"type": "string", "description": "/aiq/<service>"},
        "ce_specversion": {"const": "1.0"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "the aggregate id (the record key)"},
        "ce_aiqactor": {"type": "string", "description": "who caused it (token sub)"},
        "ce_aiqactorname": {"type": "string"},
        "content-type": {"const": "application/json"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
    },
    "required": ["ce_id", "ce_type", "ce_source", "ce_specversion"],
}


def _hoisted(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """A contract's JSON schema with its ``$defs`` moved into the document's
    ``components/schemas`` (references inside a message resolve against the document). A
    definition of the same name but other content keeps the contract's title as a suffix."""
    definitions = schema.get("$defs", {})
    names = {}
    for name, definition in definitions.items():
        unique = (
            name if schemas.get(name, definition) == definition else f"{name}_{schema['title']}"
        )
        names[name] = unique
    text = json.dumps({k: v for k, v in schema.items() if k != "$defs"})
    for name, unique in names.items():
        text = text.replace(f'"#/$defs/{name}"', f'"#/components/schemas/{unique}"')
    for name, definition in definitions.items():
        body = json.dumps(definition)
        for inner, unique in names.items():
            body = body.replace(f'"#/$defs/{inner}"', f'"#/components/schemas/{unique}"')
        schemas[names[name]] = json.loads(body)
    return json.loads(text)


def _ref(name: str) -> str:
    return name.replace(".", "_")


def document(
    title: str,
    *,
    service: str,
    sends: Sequence[str] = (),
    receives: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The document, with this service's operations: the topics it ``sends`` to and the event
    types it ``receives`` per topic."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for topic in topics.ALL:
        names = sorted(t for t, contract in REGISTRY.items() if contract.topic == topic)
        channels[_ref(topic)] = {
            "address": topic,
            "description": f"Key: {KEYS[topic]}. Dead letters: {topics.dead_letter(topic)}.",
            "messages": {_ref(n): {"$ref": f"#/components/messages/{_ref(n)}"} for n in names},
        }
        for name in names:
            contract = REGISTRY[name]
            payload = _hoisted(contract.model_json_schema(mode="serialization"), schemas)
            message: dict[str, Any] = {
                "name": name,
                "title": name,
                "contentType": "application/json",
                "headers": HEADERS,
                "payload": payload,
            }
            summary = (contract.__doc__ or "").strip().split("\n\n")[0]
            if summary and contract.__doc__ is not EventContract.__doc__:
                message["summary"] = " ".join(summary.split())
            messages[_ref(name)] = message
    operations: dict[str, Any] = {}
    for topic in sends:
        operations[f"send_{_ref(topic)}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{_ref(topic)}"},
        }
    for topic, event_types in (receives or {}).items():
        operations[f"receive_{_ref(topic)}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{_ref(topic)}"},
            "messages": [
                {"$ref": f"#/channels/{_ref(topic)}/messages/{_ref(t)}"}
                for t in sorted(event_types)
                if t in REGISTRY
            ],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": f"Events of the AiQ CRM as the {service} service sees them: "
            "CloudEvents 1.0 in Kafka binary mode.",
        },
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": "kafka:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
