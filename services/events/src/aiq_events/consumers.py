"""Thin consumers: parse, call the service, done."""

from __future__ import annotations

from aiq_events.service import EventsService
from aiq_shared.contracts.contacts import PersonCreatedV1, PersonSnapshot, PersonUpdatedV1
from aiq_shared.envelope import Envelope
from aiq_shared.kafka import Handler
from aiq_shared.mongo import Tx


def contacts_handlers(service: EventsService) -> dict[str, Handler]:
    async def on_person(event: PersonSnapshot, _: Envelope, tx: Tx) -> None:  # type: ignore[override]
        await service.remember_person(event, tx)

    return {PersonCreatedV1.event_type: on_person, PersonUpdatedV1.event_type: on_person}  # type: ignore[dict-item]
