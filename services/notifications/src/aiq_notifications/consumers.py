"""Thin consumers: parse, call the service, done."""

from __future__ import annotations

from aiq_notifications.campaigns import Campaigns
from aiq_notifications.privacy import Privacy
from aiq_notifications.service import NotificationsService
from aiq_shared.contracts.contacts import (
    DoubleOptInRequestedV1,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
    PersonCreatedV1,
    PersonErasedV1,
    PersonUpdatedV1,
)
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingChangedV1,
    MeetingCreatedV1,
    MeetingPublishedV1,
)
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.kafka import Handler


def contacts_handlers(service: NotificationsService, privacy: Privacy) -> dict[str, Handler]:
    async def on_person(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.remember_person(event, tx)

    async def on_organisation(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.remember_organisation(event, tx)

    async def on_double_opt_in(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await privacy.double_opt_in_requested(event, tx)

    async def on_erased(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await privacy.erase(event, tx)

    return {
        PersonCreatedV1.event_type: on_person,
        PersonUpdatedV1.event_type: on_person,
        OrganisationCreatedV1.event_type: on_organisation,
        OrganisationUpdatedV1.event_type: on_organisation,
        DoubleOptInRequestedV1.event_type: on_double_opt_in,
        PersonErasedV1.event_type: on_erased,
    }


def meetings_handlers(service: NotificationsService, campaigns: Campaigns) -> dict[str, Handler]:
    async def on_created(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.remember_meeting(event, tx)

    async def on_published(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.invite(event, tx)

    async def on_changed(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.meeting_changed(event, tx)

    async def on_cancelled(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await service.meeting_cancelled(event, tx)

    async def on_campaign(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await campaigns.started(event, tx)

    async def on_invitation(event, _envelope, tx):  # type: ignore[no-untyped-def]
        await campaigns.invitation_created(event, tx)

    return {
        InvitationCampaignStartedV1.event_type: on_campaign,
        InvitationCreatedV1.event_type: on_invitation,
        MeetingCreatedV1.event_type: on_created,
        MeetingPublishedV1.event_type: on_published,
        MeetingChangedV1.event_type: on_changed,
        MeetingCancelledV1.event_type: on_cancelled,
    }


def registrations_handlers(service: NotificationsService) -> dict[str, Handler]:
    def on(change):  # type: ignore[no-untyped-def]
        async def handle(event, _envelope, tx):  # type: ignore[no-untyped-def]
            await service.registration_changed(change, event, tx)

        return handle

    return {
        RegistrationConfirmedV1.event_type: on("confirmed"),
        RegistrationWaitlistedV1.event_type: on("waitlisted"),
        RegistrationCancelledV1.event_type: on("cancelled"),
        RegistrationPromotedV1.event_type: on("promoted"),
        RegistrationCheckedInV1.event_type: on("checked_in"),
    }
