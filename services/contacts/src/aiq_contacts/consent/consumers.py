"""What the person did through an email's link, from aiq.notifications."""

from __future__ import annotations

from aiq_contacts.consent.service import ConsentService
from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from aiq_shared.kafka import Handler, handled_by


def notifications_handlers(consent: ConsentService) -> dict[str, Handler]:
    return {
        ConsentWithdrawnV1.event_type: handled_by(consent.consent_withdrawn),
        ConsentConfirmedV1.event_type: handled_by(consent.consent_confirmed),
    }
