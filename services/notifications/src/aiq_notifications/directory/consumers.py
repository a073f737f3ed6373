"""Thin handlers: people and organisations (aiq.contacts) and new meetings (aiq.events) are
remembered as their events say."""

from __future__ import annotations

from aiq_notifications.directory.service import KnownMeetings, People
from aiq_shared.contracts.contacts import (
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
    PersonCreatedV1,
    PersonUpdatedV1,
)
from aiq_shared.contracts.meetings import MeetingCreatedV1
from aiq_shared.kafka import Handler, handled_by


def contacts_handlers(people: People) -> dict[str, Handler]:
    return {
        PersonCreatedV1.event_type: handled_by(people.remember_person),
        PersonUpdatedV1.event_type: handled_by(people.remember_person),
        OrganisationCreatedV1.event_type: handled_by(people.remember_organisation),
        OrganisationUpdatedV1.event_type: handled_by(people.remember_organisation),
    }


def meetings_handlers(meetings: KnownMeetings) -> dict[str, Handler]:
    return {MeetingCreatedV1.event_type: handled_by(meetings.remember)}
