"""Contacts use cases: each change is written with its event in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from aiq_contacts import domain
from aiq_contacts.domain import Organisation, OrganisationCreate, Person, PersonCreate, PersonUpdate
from aiq_contacts.repository import ContactsRepository
from aiq_shared.contracts.contacts import OrganisationCreatedV1, PersonCreatedV1, PersonUpdatedV1
from aiq_shared.errors import Conflict, NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, new_id, page_of


def _person_event[E: (PersonCreatedV1, PersonUpdatedV1)](event: type[E], person: Person) -> E:
    return event(
        person_id=person.id,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        organisation_id=person.organisation_id,
        district=person.district,
        email_consent=person.email_consent,
    )


class ContactsService:
    def __init__(self, database: Database, districts: Sequence[str]) -> None:
        self._database = database
        self._repository = ContactsRepository(database)
        self._districts = list(districts)

    async def create_organisation(
        self, data: OrganisationCreate, idempotency_key: str | None = None
    ) -> Organisation:
        domain.require_district(data.district, self._districts)

        async def work(tx: Tx) -> Organisation:
            organisation = Organisation(id=new_id(), **data.model_dump())
            await self._repository.add_organisation(organisation, tx.session)
            tx.publish(
                OrganisationCreatedV1(
                    organisation_id=organisation.id,
                    name=organisation.name,
                    industry=organisation.industry,
                    district=organisation.district,
                )
            )
            return organisation

        return await once(self._database, idempotency_key, "organisations", work, Organisation)

    async def get_organisation(self, organisation_id: str) -> Organisation:
        organisation = await self._repository.get_organisation(organisation_id)
        if organisation is None:
            raise NotFound(f"no organisation {organisation_id}")
        return organisation

    async def list_organisations(
        self, page: PageParams, district: str | None = None
    ) -> Page[Organisation]:
        items = await self._repository.list_organisations(page, district)
        return page_of(items, page, lambda o: o.id)

    async def create_person(self, data: PersonCreate, idempotency_key: str | None = None) -> Person:
        if data.email_consent and not data.email:
            raise Unprocessable("email consent needs an email address")

        async def work(tx: Tx) -> Person:
            organisation = None
            if data.organisation_id is not None:
                organisation = await self._repository.get_organisation(
                    data.organisation_id, tx.session
                )
                if organisation is None:
                    raise Unprocessable(f"no organisation {data.organisation_id}")
            district = domain.require_district(
                domain.person_district(data.district, organisation), self._districts
            )
            if data.email:
                existing = await self._repository.find_person_by_email(data.email, tx.session)
                if existing is not None:
                    raise Conflict(
                        f"a person with email {data.email} exists already",
                        existing_person_id=existing.id,
                    )
            person = Person(id=new_id(), **{**data.model_dump(), "district": district})
            await self._repository.add_person(person, tx.session)
            tx.publish(_person_event(PersonCreatedV1, person))
            return person

        return await once(self._database, idempotency_key, "people", work, Person)

    async def update_person(self, person_id: str, update: PersonUpdate) -> Person:
        if update.district is not None:
            domain.require_district(update.district, self._districts)

        async def work(tx: Tx) -> Person:
            person = await self._repository.get_person(person_id, tx.session)
            if person is None:
                raise NotFound(f"no person {person_id}")
            changed = domain.apply_update(person, update)
            if changed.email and changed.email != person.email:
                existing = await self._repository.find_person_by_email(changed.email, tx.session)
                if existing is not None and existing.id != person.id:
                    raise Conflict(
                        f"a person with email {changed.email} exists already",
                        existing_person_id=existing.id,
                    )
            if changed != person:
                await self._repository.replace_person(changed, tx.session)
                tx.publish(_person_event(PersonUpdatedV1, changed))
            return changed

        return await self._database.transaction(work)

    async def withdraw_invitation_consent(self, person_id: str, tx: Tx) -> None:
        """Consent withdrawn elsewhere (an email's unsubscribe link): record it, tell everyone."""
        person = await self._repository.get_person(person_id, tx.session)
        if person is None or not person.email_consent:
            return
        person = person.model_copy(update={"email_consent": False})
        await self._repository.replace_person(person, tx.session)
        tx.publish(_person_event(PersonUpdatedV1, person))

    async def get_person(self, person_id: str) -> Person:
        person = await self._repository.get_person(person_id)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person

    async def list_people(
        self, page: PageParams, district: str | None = None, organisation_id: str | None = None
    ) -> Page[Person]:
        items = await self._repository.list_people(page, district, organisation_id)
        return page_of(items, page, lambda p: p.id)
