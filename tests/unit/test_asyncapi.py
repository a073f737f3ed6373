"""The AsyncAPI document of every topic and event is valid AsyncAPI 3.0 and names every
contract on its topic, with the pinned payload schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from aiq_shared import asyncapi, topics
from aiq_shared.contracts import REGISTRY

SCHEMA = json.loads((Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text())
PINNED = Path(__file__).parent / "contracts"


def test_the_document_is_valid_asyncapi_and_holds_every_contract() -> None:
    document = asyncapi.document(
        "AiQ Veranstaltungen (events)",
        service="events",
        sends=asyncapi.SENDS["events"],
        receives={topics.CONTACTS: ["aiq.person.created.v1", "aiq.person.erased.v1"]},
    )
    jsonschema.Draft7Validator(SCHEMA).validate(document)
    messages = document["components"]["messages"]
    assert {m["name"] for m in messages.values()} == set(REGISTRY)
    for message in messages.values():
        pinned = json.loads((PINNED / f"{message['name']}.json").read_text())
        assert _resolved(message["payload"], document) == _resolved(pinned, pinned)
        channel = document["channels"][REGISTRY[message["name"]].topic.replace(".", "_")]
        assert message["name"].replace(".", "_") in channel["messages"]
    assert {o["action"] for o in document["operations"].values()} == {"send", "receive"}
    assert set(document["operations"]) == {
        "send_aiq_events",
        "send_aiq_registrations",
        "receive_aiq_contacts",
    }


def _resolved(schema, root):  # type: ignore[no-untyped-def]
    """A schema with every local $ref replaced by what it points at."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target = root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _resolved(target, root)
        return {k: _resolved(v, root) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_resolved(v, root) for v in schema]
    return schema
