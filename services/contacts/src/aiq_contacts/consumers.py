"""Thin consumers: parse, call the service, done."""

from __future__ import annotations

from aiq_contacts.history import Attendance
from aiq_contacts.meeting_history import MeetingHistory
from aiq_contacts.service import ContactsService
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationNoShowV1,
    RegistrationPromotedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.kafka import Handler


def notifications_handlers(service: ContactsService) -> dict[str, Handler]:
    async def on_consent_withdrawn(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.consent_withdrawn(event, tx)

    async def on_consent_confirmed(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.consent_confirmed(event, tx)

    return {
        ConsentWithdrawnV1.event_type: on_consent_withdrawn,
        ConsentConfirmedV1.event_type: on_consent_confirmed,
    }


def registrations_handlers(meetings: MeetingHistory) -> dict[str, Handler]:
    """Every state of a registration, for the contact history."""

    def on(attendance: Attendance) -> Handler:
        async def handle(event, envelope, tx):  # type: ignore[no-untyped-def]
            await meetings.registration_changed(attendance, event, envelope.time, tx)

        return handle

    return {
        RegistrationConfirmedV1.event_type: on("registered"),
        RegistrationWaitlistedV1.event_type: on("waitlisted"),
        RegistrationPromotedV1.event_type: on("moved_up"),
        RegistrationCancelledV1.event_type: on("cancelled"),
        RegistrationCheckedInV1.event_type: on("checked_in"),
        RegistrationNoShowV1.event_type: on("no_show"),
    }


def meetings_handlers(meetings: MeetingHistory) -> dict[str, Handler]:
    async def on_outcome(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await meetings.meeting_outcome_recorded(event, tx)

    return {MeetingOutcomeRecordedV1.event_type: on_outcome}
