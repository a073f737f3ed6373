"""Thin consumers: parse, call the service, done."""

from __future__ import annotations

from aiq_events.service import EventsService
from aiq_shared.contracts.contacts import (
    ConsentChangedV1,
    OrganisationCreatedV1,
    OrganisationsMergedV1,
    OrganisationUpdatedV1,
    PersonCreatedV1,
    PersonErasedV1,
    PersonUpdatedV1,
    SegmentDeletedV1,
    SegmentSavedV1,
)
from aiq_shared.kafka import Handler


def contacts_handlers(service: EventsService) -> dict[str, Handler]:
    """The contacts read model: people, organisations, merges, erasures, saved segments."""

    def call(method):  # type: ignore[no-untyped-def]
        async def handle(event, _envelope, tx):  # type: ignore[no-untyped-def]
            await method(event, tx)

        return handle

    return {
        PersonCreatedV1.event_type: call(service.remember_person),
        PersonUpdatedV1.event_type: call(service.remember_person),
        PersonErasedV1.event_type: call(service.person_erased),
        ConsentChangedV1.event_type: call(service.consent_changed),
        OrganisationCreatedV1.event_type: call(service.remember_organisation),
        OrganisationUpdatedV1.event_type: call(service.remember_organisation),
        OrganisationsMergedV1.event_type: call(service.organisations_merged),
        SegmentSavedV1.event_type: call(service.segment_saved),
        SegmentDeletedV1.event_type: call(service.segment_deleted),
    }
