"""Thin handlers: a campaign's start and each of its invitations (aiq.events)."""

from __future__ import annotations

from aiq_notifications.campaigns.service import Campaigns
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.kafka import Handler, handled_by


def events_handlers(campaigns: Campaigns) -> dict[str, Handler]:
    return {
        InvitationCampaignStartedV1.event_type: handled_by(campaigns.started),
        InvitationCreatedV1.event_type: handled_by(campaigns.invitation_created),
    }
