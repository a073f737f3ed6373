"""Thin consumers: parse, call the service, done."""

from __future__ import annotations

from aiq_contacts.service import ContactsService
from aiq_shared.contracts.notifications import ConsentWithdrawnV1
from aiq_shared.kafka import Handler


def notifications_handlers(service: ContactsService) -> dict[str, Handler]:
    async def on_consent_withdrawn(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.withdraw_invitation_consent(event.person_id, tx)

    return {ConsentWithdrawnV1.event_type: on_consent_withdrawn}
