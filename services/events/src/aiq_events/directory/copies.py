"""Registrations, invitations and outcomes keep copies of contacts data (a name, an
organisation, a note about a person): an erasure or a merge in contacts reaches every copy, in
the consumer's transaction.

An erased person is forgotten everywhere: the read model keeps a placeholder, registrations and
invitations lose the name (counts stay), outcomes their note, the retry cache its answers
naming them. A merged organisation's people, registrations and invitations name the one that
survives.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiq_events.directory.service import Directory
from aiq_events.invitations.service import InvitationsService
from aiq_events.outcomes.service import OutcomesService
from aiq_events.registrations.service import Rosters
from aiq_shared.contracts.contacts import OrganisationsMergedV1, PersonErasedV1
from aiq_shared.mongo import Tx

# What an erasure takes, everywhere (the names of the fields, as the audit trail keeps them).
ERASED_FIELDS = [
    "participant.display_name", "participant.email", "participant.first_name",
    "participant.last_name", "registration.display_name", "registration.group_students",
    "invitation.display_name", "outcome.note", "stored_answers",
]  # fmt: skip
# What a merge moves to the surviving organisation, beyond the people (each in the trail).
MERGED_FIELDS = ["invitation.organisation_id", "merged_into", "registration.organisation_id"]


@dataclass(frozen=True)
class Copies:
    directory: Directory
    rosters: Rosters
    invitations: InvitationsService
    outcomes: OutcomesService

    async def person_erased(self, event: PersonErasedV1, tx: Tx) -> None:
        await self.directory.forget_person(event.person_id, tx)
        await self.rosters.forget_person(event.person_id, tx)
        await self.invitations.forget_person(event.person_id, tx)
        await self.outcomes.forget_person(event.person_id, tx)
        tx.audit("participant", event.person_id, "erased", ERASED_FIELDS)

    async def organisations_merged(self, event: OrganisationsMergedV1, tx: Tx) -> None:
        merged, surviving = event.merged_organisation_id, event.surviving_organisation_id
        await self.directory.merge_organisations(merged, surviving, tx)
        await self.rosters.move_organisation(merged, surviving, tx)
        await self.invitations.move_organisation(merged, surviving, tx)
        tx.audit("organisation", merged, "merged", MERGED_FIELDS)
