"""Thin consumers: parse, call the service, done."""

from __future__ import annotations

from aiq_notifications.campaigns import Campaigns
from aiq_notifications.domain import Change
from aiq_notifications.privacy import Privacy
from aiq_notifications.registrations import Registrations
from aiq_notifications.reminders import Reminders
from aiq_notifications.service import NotificationsService
from aiq_shared.contracts.contacts import (
    DoubleOptInRequestedV1,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
    PersonCreatedV1,
    PersonErasedV1,
    PersonUpdatedV1,
)
from aiq_shared.contracts.invitations import (
    InvitationCampaignStartedV1,
    InvitationCreatedV1,
    InvitationDeclinedV1,
)
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
    RegistrationMoveUpOfferedV1,
    RegistrationPromotedV1,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.kafka import Handler, handled_by


def contacts_handlers(service: NotificationsService, privacy: Privacy) -> dict[str, Handler]:
    return {
        PersonCreatedV1.event_type: handled_by(service.remember_person),
        PersonUpdatedV1.event_type: handled_by(service.remember_person),
        OrganisationCreatedV1.event_type: handled_by(service.remember_organisation),
        OrganisationUpdatedV1.event_type: handled_by(service.remember_organisation),
        DoubleOptInRequestedV1.event_type: handled_by(privacy.double_opt_in_requested),
        PersonErasedV1.event_type: handled_by(privacy.erase),
    }


def meetings_handlers(
    service: NotificationsService, campaigns: Campaigns, reminders: Reminders
) -> dict[str, Handler]:
    return {
        InvitationCampaignStartedV1.event_type: handled_by(campaigns.started),
        InvitationCreatedV1.event_type: handled_by(campaigns.invitation_created),
        InvitationDeclinedV1.event_type: handled_by(reminders.invitation_declined),
        MeetingCreatedV1.event_type: handled_by(service.remember_meeting),
        MeetingPublishedV1.event_type: handled_by(service.meeting_published),
        MeetingChangedV1.event_type: handled_by(service.meeting_changed),
        MeetingCancelledV1.event_type: handled_by(service.meeting_cancelled),
    }


def registrations_handlers(registrations: Registrations) -> dict[str, Handler]:
    def on(change: Change) -> Handler:
        return handled_by(lambda event, tx: registrations.changed(change, event, tx))

    return {
        RegistrationConfirmedV1.event_type: on("confirmed"),
        RegistrationWaitlistedV1.event_type: on("waitlisted"),
        RegistrationCancelledV1.event_type: on("cancelled"),
        RegistrationPromotedV1.event_type: on("promoted"),
        RegistrationCheckedInV1.event_type: on("checked_in"),
        RegistrationTablesChangedV1.event_type: on("tables_changed"),
        RegistrationMoveUpOfferedV1.event_type: handled_by(registrations.move_up_offered),
    }
