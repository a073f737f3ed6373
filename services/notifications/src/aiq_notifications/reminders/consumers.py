"""Thin handler: an invitee who declined hears no more reminders (aiq.events)."""

from __future__ import annotations

from aiq_notifications.reminders.service import Reminders
from aiq_shared.contracts.invitations import InvitationDeclinedV1
from aiq_shared.kafka import Handler, handled_by


def events_handlers(reminders: Reminders) -> dict[str, Handler]:
    return {InvitationDeclinedV1.event_type: handled_by(reminders.invitation_declined)}
