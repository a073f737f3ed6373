"""People's use cases: each change is written with its events in one transaction. Other
subjects find and change people through the public methods here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiq_contacts.consent.records import ConsentRecords
from aiq_contacts.consent.rules import INVITATIONS, require_consentable
from aiq_contacts.organisations.rules import require_district
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people import memberships, rules
from aiq_contacts.people.repository import (
    EmailAddressRepository,
    ErasedPeopleRepository,
    PeopleSelection,
    PersonRepository,
)
from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_contacts.search.schemas import CountedPage, ListPage, PeopleCriteria, PeopleQuery
from aiq_shared.contracts.contacts import PersonCreatedV1, PersonUpdatedV1
from aiq_shared.errors import Conflict, NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
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

    # -- changes ---------------------------------------------------------------------------

    async def add(
        self,
        data: PersonCreate,
        tx: Tx,
        consent_source: str = "staff",
        organisation: Organisation | None = None,
    ) -> Person:
        """A new person, within ``tx`` (creating one, or an import's row at ``organisation``);
        ``email_consent`` is recorded in the consent history, from ``consent_source``."""
        if organisation is None:
            main = memberships.main_id(data.organisation_id, data.memberships)
            organisation = await self._organisations.named(main, tx)
        district = require_district(
            rules.person_district(data.district, organisation), self._districts
        )
        person = rules.new_person(
            new_id(),
            data.model_copy(update={"organisation_id": organisation.id if organisation else None}),
            district,
            organisation,
        )
        await self._main_organisation(person, tx)
        require_consentable(person.email, person.kind, data.email_consent)
        await self._claim_addresses(person, person.addresses, tx)
        record = None
        if data.email_consent:
            record = self._consents.new(person.id, INVITATIONS, True, consent_source)
            person = rules.with_consent(person, record)
        await self._people.add(person, tx.session)
        tx.emit(rules.person_event(PersonCreatedV1, person))
        if record is not None:  # announced by PersonCreatedV1 itself (``consents``)
            await self._consents.store(record, tx, announce=False)
        return person

    async def create(self, data: PersonCreate, idempotency_key: str | None = None) -> Person:
        if data.email_consent and not data.email:
            raise Unprocessable("email consent needs an email address")

        async def work(tx: Tx) -> Person:
            return await self.add(data, tx)

        return await once(self._database, idempotency_key, "people", work, Person)

    async def update(self, person_id: str, update: PersonUpdate) -> Person:
        if update.district is not None:
            require_district(update.district, self._districts)

        async def work(tx: Tx) -> Person:
            person = await self.get(person_id, tx)
            changed = rules.apply_update(person, update)
            rules.check_person(changed, await self._main_organisation(changed, tx))
            new_addresses = [a for a in changed.addresses if a not in person.addresses]
            gone = [a for a in person.addresses if a not in changed.addresses]
            await self._claim_addresses(changed, new_addresses, tx)
            if gone:
                await self._addresses.release(person.id, tx.session, gone)
            record = None
            if changed.email_consent != person.email_consent:
                require_consentable(changed.email, changed.kind, changed.email_consent)
                record = self._consents.new(person.id, INVITATIONS, changed.email_consent, "staff")
            await self.save_changed(person, changed, tx)
            if record is not None:
                await self._consents.store(record, tx)
            return changed

        return await self._database.transaction(work)

    async def save_changed(self, before: Person, after: Person, tx: Tx) -> None:
        """Write a changed person and announce it (nothing if nothing changed)."""
        if after != before:
            await self._people.save(after, tx.session)
            tx.emit(rules.person_event(PersonUpdatedV1, after))

    async def erase(self, person: Person, at: datetime, tx: Tx) -> None:
        """The person's record and addresses gone; a tombstone (the id and the time only)
        keeps late events about them from being stored again."""
        await self._people.delete(person.id, tx.session)
        await self._addresses.release(person.id, tx.session)
        await self._erased.bury(person.id, at, tx.session)

    async def _main_organisation(self, person: Person, tx: Tx) -> Organisation | None:
        """The person's main organisation, once every organisation they belong to is known."""
        ids = {m.organisation_id for m in person.memberships}
        found = await self._organisations.by_ids(ids, tx)
        if missing := sorted(ids - set(found)):
            raise Unprocessable(f"no organisation {missing[0]}")
        return found.get(person.organisation_id or "")

    async def _claim_addresses(self, person: Person, addresses: list[str], tx: Tx) -> None:
        """The addresses become the person's, or 409 naming who has one already."""
        for address in addresses:
            existing = await self._people.with_address(address, tx.session)
            if existing is not None and existing.id != person.id:
                raise Conflict(
                    f"a person with email {address} exists already",
                    existing_person_id=existing.id,
                )
        holder = await self._addresses.claim(person.id, addresses, tx.session)
        if holder is not None:
            raise Conflict("a person with this email exists already", existing_person_id=holder)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, person_id: str, tx: Tx | None = None) -> Person:
        """The person, or 404."""
        person = await self.find(person_id, tx)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person

    async def find(self, person_id: str, tx: Tx | None = None) -> Person | None:
        return await self._people.get(person_id, tx.session if tx else None)

    async def is_erased(self, person_id: str, tx: Tx) -> bool:
        return await self._erased.is_erased(person_id, tx.session)

    async def members_of(self, organisation_id: str, tx: Tx) -> list[Person]:
        return await self._people.members_of(organisation_id, tx.session)

    async def search(
        self, query: PeopleQuery, organisation_id: str | None = None
    ) -> CountedPage[Person]:
        selection = await self._selection(
            query.filter(), query.q, query.industry_section, organisation_id
        )
        return await self._people.listed(selection, query.page, query.order)

    async def at_organisation(
        self, organisation_id: str, query: PeopleQuery
    ) -> CountedPage[Person]:
        """The people of an organisation (any membership), or 404 for no such organisation."""
        await self._organisations.get(organisation_id)
        return await self.search(query, organisation_id)

    async def selected_by(self, criteria: ContactFilter, page: ListPage) -> CountedPage[Person]:
        """The people a stored filter (a segment's) selects now."""
        selection = await self._selection(criteria)
        return await self._people.listed(selection, page.page, page.order)

    async def for_export(self, criteria: PeopleCriteria, most: int) -> list[Person]:
        selection = await self._selection(criteria.filter(), criteria.q, criteria.industry_section)
        return await self._people.exported(selection, criteria.order, most)

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
