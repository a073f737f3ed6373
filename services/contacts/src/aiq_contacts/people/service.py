"""People's use cases: each change is written with its events and its audit entry in one
transaction. Other subjects find and change people through the public methods here.

Every read takes the caller's scope: a person is found where they are visible (their own
district and their organisations', ``people.placement``), else 404. A change loads the person
through the scope; the organisations it names anew must be in the scope too (422 otherwise,
as for none), and the person must stay visible to the caller (403).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from aiq_contacts.consent.records import ConsentRecords
from aiq_contacts.consent.rules import INVITATIONS, require_consentable
from aiq_contacts.organisations.rules import require_district, require_within
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people import memberships, rules
from aiq_contacts.people.placement import RESOURCE, Placement
from aiq_contacts.people.repository import (
    EmailAddressRepository,
    ErasedPeopleRepository,
    PeopleSelection,
    PersonRepository,
)
from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_contacts.search.schemas import CountedPage, ListPage, PeopleCriteria, PeopleQuery
from aiq_shared.audit import changed_fields
from aiq_shared.contracts.contacts import PersonCreatedV1, PersonUpdatedV1
from aiq_shared.errors import Conflict, NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import EVERYTHING, Scope
from aiq_shared.targeting import ContactFilter


class PersonService:
    def __init__(
        self,
        database: Database,
        people: PersonRepository,
        addresses: EmailAddressRepository,
        erased: ErasedPeopleRepository,
        organisations: OrganisationService,
        consents: ConsentRecords,
        districts: Sequence[str],
    ) -> None:
        self._database = database
        self._people = people
        self._addresses = addresses
        self._erased = erased
        self._organisations = organisations
        self._consents = consents
        self._districts = list(districts)
        self.placement = Placement(database, people, organisations)

    # -- changes ---------------------------------------------------------------------------

    async def add(
        self,
        data: PersonCreate,
        tx: Tx,
        scope: Scope,
        consent_source: str = "staff",
        organisation: Organisation | None = None,
    ) -> Person:
        """A new person, within ``tx`` (creating one, or an import's row at ``organisation``),
        visible to the caller (``scope``); ``email_consent`` is recorded in the consent
        history, from ``consent_source``."""
        if organisation is None:
            main = memberships.main_id(data.organisation_id, data.memberships)
            organisation = await self._organisations.named(main, scope, tx)
        district = require_district(
            rules.person_district(data.district, organisation), self._districts
        )
        person = rules.new_person(
            new_id(),
            data.model_copy(update={"organisation_id": organisation.id if organisation else None}),
            district,
            organisation,
        )
        await self._main_organisation(person, tx, scope)
        person = await self.placement.placed(person, tx)
        require_within(scope, person.districts, "the person")
        require_consentable(person.email, person.kind, data.email_consent)
        await self._claim_addresses(person, person.addresses, tx, scope)
        record = None
        if data.email_consent:
            record = self._consents.new(person.id, INVITATIONS, True, consent_source)
            person = rules.with_consent(person, record)
        await self._people.add(person, tx.session)
        tx.emit(rules.person_event(PersonCreatedV1, person))
        tx.audit(RESOURCE, person.id, "created", changed_fields(None, person))
        if record is not None:  # announced by PersonCreatedV1 itself (``consents``)
            await self._consents.store(record, tx, announce=False)
        return person

    async def create(
        self, data: PersonCreate, scope: Scope, idempotency_key: str | None = None
    ) -> Person:
        if data.email_consent and not data.email:
            raise Unprocessable("email consent needs an email address")

        async def work(tx: Tx) -> Person:
            return await self.add(data, tx, scope)

        return await once(self._database, idempotency_key, "people", work, Person)

    async def update(self, person_id: str, update: PersonUpdate, scope: Scope) -> Person:
        if update.district is not None:
            require_district(update.district, self._districts)

        async def work(tx: Tx) -> Person:
            person = await self.get(person_id, scope, tx)
            changed = rules.apply_update(person, update)
            main = await self._main_organisation(changed, tx, scope, person.memberships)
            rules.check_person(changed, main)
            new_addresses = [a for a in changed.addresses if a not in person.addresses]
            gone = [a for a in person.addresses if a not in changed.addresses]
            await self._claim_addresses(changed, new_addresses, tx, scope)
            if gone:
                await self._addresses.release(person.id, tx.session, gone)
            record = None
            if changed.email_consent != person.email_consent:
                require_consentable(changed.email, changed.kind, changed.email_consent)
                record = self._consents.new(person.id, INVITATIONS, changed.email_consent, "staff")
            changed = await self.save_changed(person, changed, tx)
            require_within(scope, changed.districts, "the person")  # else it all rolls back
            if record is not None:
                await self._consents.store(record, tx)
            return changed

        return await self._database.transaction(work)

    async def save_changed(self, before: Person, after: Person, tx: Tx) -> Person:
        """Write a changed person, announce it and audit it (nothing if nothing changed);
        the person as stored, placed in the districts they are visible in now."""
        if (after.district, after.memberships) != (before.district, before.memberships):
            after = await self.placement.placed(after, tx)
        if after == before:
            return after
        await self._people.save(after, tx.session)
        tx.emit(rules.person_event(PersonUpdatedV1, after))
        tx.audit(RESOURCE, after.id, "updated", changed_fields(before, after))
        if after.districts != before.districts:
            await self.placement.moved(after, tx)
        return after

    async def erase(self, person: Person, at: datetime, tx: Tx) -> None:
        """The person's record and addresses gone; a tombstone (the id and the time only)
        keeps late events about them from being stored again."""
        await self._people.delete(person.id, tx.session)
        await self._addresses.release(person.id, tx.session)
        await self._erased.bury(person.id, at, tx.session)
        tx.audit(RESOURCE, person.id, "erased")

    async def _main_organisation(
        self, person: Person, tx: Tx, scope: Scope, kept: Sequence[memberships.Membership] = ()
    ) -> Organisation | None:
        """The person's main organisation, once every organisation they belong to is known:
        those named anew (not among ``kept``) must be in ``scope``, as if others were none."""
        ids = {m.organisation_id for m in person.memberships}
        known = ids & {m.organisation_id for m in kept}
        found = await self._organisations.by_ids(known, EVERYTHING, tx)
        found |= await self._organisations.by_ids(ids - known, scope, tx)
        if missing := sorted(ids - set(found)):
            raise Unprocessable(f"no organisation {missing[0]}")
        return found.get(person.organisation_id or "")

    async def _claim_addresses(
        self, person: Person, addresses: list[str], tx: Tx, scope: Scope
    ) -> None:
        """The addresses become the person's, or 409 naming who has one already (an address
        is unique across every district; the holder's id only if the caller may see them)."""
        for address in addresses:
            existing = await self._people.with_address(address, tx.session)
            if existing is not None and existing.id != person.id:
                message = f"a person with email {address} exists already"
                raise await self._taken(message, existing.id, scope, tx)
        holder = await self._addresses.claim(person.id, addresses, tx.session)
        if holder is not None:
            raise await self._taken("a person with this email exists already", holder, scope, tx)

    async def _taken(self, message: str, holder: str, scope: Scope, tx: Tx) -> Conflict:
        if await self.find(holder, scope, tx) is None:
            return Conflict(f"{message}, outside your districts")
        return Conflict(message, existing_person_id=holder)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, person_id: str, scope: Scope, tx: Tx | None = None) -> Person:
        """The person, or 404 (also when they are not visible in ``scope``)."""
        person = await self.find(person_id, scope, tx)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person

    async def find(self, person_id: str, scope: Scope, tx: Tx | None = None) -> Person | None:
        return await self._people.visible(person_id, scope, tx.session if tx else None)

    async def by_ids(self, ids: Collection[str], scope: Scope) -> dict[str, Person]:
        """Those of the people visible in ``scope``, by id."""
        return await self._people.by_ids(ids, scope)

    async def is_erased(self, person_id: str, tx: Tx) -> bool:
        return await self._erased.is_erased(person_id, tx.session)

    async def members_of(self, organisation_id: str, tx: Tx) -> list[Person]:
        return await self._people.members_of(organisation_id, tx.session)

    async def search(
        self, query: PeopleQuery, scope: Scope, organisation_id: str | None = None
    ) -> CountedPage[Person]:
        selection = await self._selection(
            query.filter(), query.q, query.industry_section, organisation_id
        )
        return await self._people.listed(selection, query.page, query.order, scope)

    async def at_organisation(
        self, organisation_id: str, query: PeopleQuery, scope: Scope
    ) -> CountedPage[Person]:
        """The people of an organisation (any membership) visible in ``scope``, or 404 for no
        such organisation (in ``scope``)."""
        await self._organisations.get(organisation_id, scope)
        return await self.search(query, scope, organisation_id)

    async def selected_by(
        self, criteria: ContactFilter, page: ListPage, scope: Scope
    ) -> CountedPage[Person]:
        """The people a stored filter (a segment's) selects now, of those in ``scope``."""
        selection = await self._selection(criteria)
        return await self._people.listed(selection, page.page, page.order, scope)

    async def for_export(self, criteria: PeopleCriteria, scope: Scope, most: int) -> list[Person]:
        selection = await self._selection(criteria.filter(), criteria.q, criteria.industry_section)
        return await self._people.exported(selection, criteria.order, most, scope)

    async def _selection(
        self,
        criteria: ContactFilter,
        q: str | None = None,
        sections: Sequence[str] = (),
        organisation_id: str | None = None,
    ) -> PeopleSelection:
        """Organisation criteria are looked up first, then people are selected through them."""
        meeting, tagged = await self._organisations.selection(criteria, sections)
        return PeopleSelection(
            criteria=criteria,
            q=q,
            organisation_ids=meeting,
            tagged_organisation_ids=tagged,
            organisation_id=organisation_id,
        )
