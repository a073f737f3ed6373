"""The data subject rights (DSGVO): a person's data as JSON (Art. 15) and erasure (Art. 17):
in one transaction the person is forgotten in every collection of this service, and
``aiq.person.erased.v1`` tells every other service to forget them too.

Both reach the person through the caller's scope (404 outside it). An export holds what the
caller's districts hold (organisations and history entries of other districts stay out); a
coordinator's holds everything. Erasure is the coordinators' and admins' (roles per route)."""

from __future__ import annotations

from aiq_contacts.consent.records import ConsentRecords
from aiq_contacts.fields import as_stored
from aiq_contacts.history.lists import HistoryLists
from aiq_contacts.history.service import HistoryService
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people.service import PersonService
from aiq_contacts.privacy.repository import StoredResponseRepository
from aiq_contacts.privacy.schemas import ErasureReceipt, PersonExport
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import PersonErasedV1
from aiq_shared.mongo import Database, Tx
from aiq_shared.scope import Scope


class PrivacyService:
    def __init__(
        self,
        database: Database,
        responses: StoredResponseRepository,
        organisations: OrganisationService,
        people: PersonService,
        consents: ConsentRecords,
        history: HistoryService,
        history_lists: HistoryLists,
        clock: Clock,
    ) -> None:
        self._database = database
        self._responses = responses
        self._organisations = organisations
        self._people = people
        self._consents = consents
        self._history = history
        self._history_lists = history_lists
        self._clock = clock

    async def export_person(self, person_id: str, scope: Scope) -> PersonExport:
        person = await self._people.get(person_id, scope)
        ids = [m.organisation_id for m in person.memberships]
        found = await self._organisations.by_ids(ids, scope)
        interactions, follow_ups = await self._history_lists.about_person(person_id, scope)
        return PersonExport(
            exported_at=as_stored(self._clock.now()),
            person=person,
            organisation=found.get(person.organisation_id or ""),
            organisations=[found[i] for i in ids if i in found],
            consent_history=await self._consents.history_of(person_id),
            double_opt_in_requests=await self._consents.requests_of(person_id),
            interactions=interactions,
            follow_ups=follow_ups,
        )

    async def erase_person(self, person_id: str, scope: Scope) -> ErasureReceipt:
        """Art. 17 DSGVO: forget the person in every collection; tell every service."""

        async def work(tx: Tx) -> ErasureReceipt:
            person = await self._people.get(person_id, scope, tx)
            erased_at = as_stored(self._clock.now())
            await self._people.erase(person, erased_at, tx)
            await self._consents.forget(person.id, tx)
            await self._history.forget_person(person.id, tx)
            await self._responses.forget_about(person.id, tx.session)
            tx.emit(PersonErasedV1(person_id=person.id, erased_at=erased_at))
            return ErasureReceipt(person_id=person.id, erased_at=erased_at)

        return await self._database.transaction(work)
