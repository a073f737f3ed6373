"""Folding a duplicate organisation into another: its people (every membership there),
interactions and follow-ups move, empty fields are filled from it, and it is gone. One
transaction; the survivor's officer and industry follow the usual rules (``Reference``).
Merging is the coordinators' and admins' (roles per route); both organisations are loaded
through the caller's scope all the same."""

from __future__ import annotations

from aiq_contacts.history.service import HistoryService
from aiq_contacts.organisations import rules
from aiq_contacts.organisations.repository import OrganisationRepository
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.organisations.service import RESOURCE, OrganisationService
from aiq_contacts.people import memberships
from aiq_contacts.people.schemas import Person
from aiq_contacts.people.service import PersonService
from aiq_shared.contracts.contacts import OrganisationsMergedV1
from aiq_shared.errors import Unprocessable
from aiq_shared.mongo import Database, Tx
from aiq_shared.scope import Scope


class MergeService:
    def __init__(
        self,
        database: Database,
        organisation_records: OrganisationRepository,
        organisations: OrganisationService,
        people: PersonService,
        history: HistoryService,
    ) -> None:
        self._database = database
        self._records = organisation_records
        self._organisations = organisations
        self._people = people
        self._history = history

    async def merge(self, surviving_id: str, merged_id: str, scope: Scope) -> Organisation:
        """Fold ``merged_id`` into ``surviving_id``: people, history and follow-ups move."""
        if surviving_id == merged_id:
            raise Unprocessable("an organisation cannot be merged into itself")

        async def work(tx: Tx) -> Organisation:
            surviving = await self._organisations.get(surviving_id, scope, tx)
            merged = await self._records.visible(merged_id, scope, tx.session)
            if merged is None:
                raise Unprocessable(f"no organisation {merged_id} to merge")
            combined = self._organisations.reference.settle(
                rules.merge_organisations(surviving, merged), officer_given=False
            )
            for person in await self._people.members_of(merged_id, tx):
                places = memberships.moved(person.memberships, merged_id, surviving_id)
                moved = Person.model_validate(person.model_dump() | {"memberships": places})
                await self._people.save_changed(person, moved, tx)
            await self._history.move_organisation(merged_id, combined, tx)
            await self._organisations.remove(merged, tx, "merged_away")
            await self._organisations.save_changed(surviving, combined, tx, "merged")
            if combined == surviving:  # nothing to fill in: the merge is in the trail all the same
                tx.audit(RESOURCE, surviving_id, "merged")
            tx.emit(
                OrganisationsMergedV1(
                    surviving_organisation_id=surviving_id, merged_organisation_id=merged_id
                )
            )
            return combined

        return await self._database.transaction(work)
