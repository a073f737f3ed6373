"""Thin handlers: each registration event (aiq.registrations) to its use case."""

from __future__ import annotations

from aiq_notifications.registrations.service import Registrations
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationMoveUpOfferedV1,
    RegistrationPromotedV1,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.kafka import Handler, handled_by


def registrations_handlers(registrations: Registrations) -> dict[str, Handler]:
    return {
        RegistrationConfirmedV1.event_type: handled_by(registrations.confirmed),
        RegistrationWaitlistedV1.event_type: handled_by(registrations.waitlisted),
        RegistrationCancelledV1.event_type: handled_by(registrations.cancelled),
        RegistrationPromotedV1.event_type: handled_by(registrations.promoted),
        RegistrationCheckedInV1.event_type: handled_by(registrations.checked_in),
        RegistrationTablesChangedV1.event_type: handled_by(registrations.tables_changed),
        RegistrationMoveUpOfferedV1.event_type: handled_by(registrations.move_up_offered),
    }
