"""Thin consumers of ``aiq.contacts``: each event to the use case that keeps the read model."""

from __future__ import annotations

from aiq_events.directory.copies import Copies
from aiq_events.directory.service import Directory
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
from aiq_shared.kafka import Handler, handled_by


def contacts_handlers(directory: Directory, copies: Copies) -> dict[str, Handler]:
    """People, organisations, merges, erasures, saved segments."""
    return {
        PersonCreatedV1.event_type: handled_by(directory.remember_person),
        PersonUpdatedV1.event_type: handled_by(directory.remember_person),
        PersonErasedV1.event_type: handled_by(copies.person_erased),
        ConsentChangedV1.event_type: handled_by(directory.consent_changed),
        OrganisationCreatedV1.event_type: handled_by(directory.remember_organisation),
        OrganisationUpdatedV1.event_type: handled_by(directory.remember_organisation),
        OrganisationsMergedV1.event_type: handled_by(copies.organisations_merged),
        SegmentSavedV1.event_type: handled_by(directory.segment_saved),
        SegmentDeletedV1.event_type: handled_by(directory.segment_deleted),
    }
