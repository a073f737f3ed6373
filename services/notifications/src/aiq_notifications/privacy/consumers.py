"""Thin handlers: a request for consent is emailed; an erased person is forgotten."""

from __future__ import annotations

from aiq_notifications.privacy.service import Privacy
from aiq_shared.contracts.contacts import DoubleOptInRequestedV1, PersonErasedV1
from aiq_shared.kafka import Handler, handled_by


def contacts_handlers(privacy: Privacy) -> dict[str, Handler]:
    return {
        DoubleOptInRequestedV1.event_type: handled_by(privacy.double_opt_in_requested),
        PersonErasedV1.event_type: handled_by(privacy.erase),
    }
