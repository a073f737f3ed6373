"""Meetings in the history, from aiq.registrations (every state of a registration) and
aiq.events (outcomes)."""

from __future__ import annotations

from aiq_contacts.history.schemas import Attendance
from aiq_contacts.history.service import HistoryService
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationNoShowV1,
    RegistrationPromotedV1,
    RegistrationSnapshot,
    RegistrationWaitlistedV1,
)
from aiq_shared.envelope import Envelope
from aiq_shared.kafka import Handler, handled_by
from aiq_shared.mongo import Tx


def registrations_handlers(history: HistoryService) -> dict[str, Handler]:
    """Every state of a registration, at the time its event says (registration events carry
    none of their own, so the handler reads the envelope's)."""

    def step(attendance: Attendance) -> Handler:
        async def handle(event: RegistrationSnapshot, envelope: Envelope, tx: Tx) -> None:
            await history.registration_changed(attendance, event, envelope.time, tx)

        return handle  # type: ignore[return-value]

    return {
        RegistrationConfirmedV1.event_type: step("registered"),
        RegistrationWaitlistedV1.event_type: step("waitlisted"),
        RegistrationPromotedV1.event_type: step("moved_up"),
        RegistrationCancelledV1.event_type: step("cancelled"),
        RegistrationCheckedInV1.event_type: step("checked_in"),
        RegistrationNoShowV1.event_type: step("no_show"),
    }


def meetings_handlers(history: HistoryService) -> dict[str, Handler]:
    return {MeetingOutcomeRecordedV1.event_type: handled_by(history.meeting_outcome_recorded)}
