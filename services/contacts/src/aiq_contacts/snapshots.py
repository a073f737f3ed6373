"""The contacts' events as other services read them: snapshots of organisations, people,
interactions and follow-ups. Plain Python, no I/O."""

from __future__ import annotations

from aiq_contacts import memberships
from aiq_contacts.domain import Organisation, Person
from aiq_contacts.history import FollowUp, Interaction
from aiq_shared.contracts.contacts import (
    FollowUpSnapshot,
    InteractionRecordedV1,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
    PersonCreatedV1,
    PersonUpdatedV1,
)


def person_event[E: (PersonCreatedV1, PersonUpdatedV1)](event: type[E], person: Person) -> E:
    return event(
        person_id=person.id,
        first_name=person.first_name,
        last_name=person.last_name or "",
        email=person.email,
        organisation_id=person.organisation_id,
        district=person.district,
        email_consent=person.email_consent,
        kind=person.kind,
        tags=person.tags,
        consents=person.consents,
        language=person.language,
        memberships=memberships.published(person.memberships),
    )


def organisation_event[E: (OrganisationCreatedV1, OrganisationUpdatedV1)](
    event: type[E], organisation: Organisation
) -> E:
    return event(
        organisation_id=organisation.id,
        name=organisation.name,
        industry=organisation.industry,
        district=organisation.district,
        kind=organisation.kind,
        status=organisation.status,
        tags=organisation.tags,
        officer=organisation.officer,
        partner_since=organisation.partner_since,
        size=organisation.size,
        postcode=organisation.address.postcode if organisation.address else None,
    )


def interaction_recorded(interaction: Interaction) -> InteractionRecordedV1:
    return InteractionRecordedV1(
        interaction_id=interaction.id,
        kind=interaction.kind,
        organisation_id=interaction.organisation_id,
        person_id=interaction.person_id,
        occurred_at=interaction.occurred_at,
        author=interaction.author,
        meeting_id=interaction.meeting_id,
    )


def follow_up_event(contract: type[FollowUpSnapshot], follow_up: FollowUp) -> FollowUpSnapshot:
    return contract(
        follow_up_id=follow_up.id,
        kind=follow_up.kind,
        title=follow_up.title,
        status=follow_up.status,
        due=follow_up.due,
        owner=follow_up.owner,
        organisation_id=follow_up.organisation_id,
        person_id=follow_up.person_id,
        meeting_id=follow_up.meeting_id,
    )
