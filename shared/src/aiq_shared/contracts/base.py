"""Base of every event contract: a versioned pydantic model bound to a CloudEvents type and topic.

A contract's ``event_type`` is past tense and ends in its version (``aiq.person.created.v1``).
An incompatible change is a new class with a new version; tests pin every model's JSON schema.
Consumers ignore fields they do not know (``extra="ignore"``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

REGISTRY: dict[str, type[EventContract]] = {}


class EventContract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is not None:
            if event_type in REGISTRY:
                raise TypeError(f"event type {event_type} registered twice")
            REGISTRY[event_type] = cls

    def aggregate_key(self) -> str:
        """The Kafka record key: the aggregate whose events must stay in order."""
        raise NotImplementedError


def contract_for(event_type: str) -> type[EventContract] | None:
    return REGISTRY.get(event_type)
