"""The only place the contacts service touches PyMongo."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from aiq_contacts.domain import Organisation, Person
from aiq_shared.mongo import Database, from_document, to_document
from aiq_shared.pagination import PageParams, after_cursor

ORGANISATIONS = "organisations"
PEOPLE = "people"


async def ensure_indexes(database: Database) -> None:
    await database[ORGANISATIONS].create_index("district")
    await database[PEOPLE].create_index("district")
    await database[PEOPLE].create_index("organisation_id")
    await database[PEOPLE].create_index("email")


class ContactsRepository:
    def __init__(self, database: Database) -> None:
        self._organisations = database[ORGANISATIONS]
        self._people = database[PEOPLE]

    async def add_organisation(
        self, organisation: Organisation, session: AsyncClientSession
    ) -> None:
        await self._organisations.insert_one(to_document(organisation), session=session)

    async def get_organisation(
        self, organisation_id: str, session: AsyncClientSession | None = None
    ) -> Organisation | None:
        doc = await self._organisations.find_one({"_id": organisation_id}, session=session)
        return from_document(Organisation, doc)

    async def list_organisations(
        self, page: PageParams, district: str | None
    ) -> list[Organisation]:
        query: dict[str, Any] = after_cursor(page)
        if district:
            query["district"] = district
        docs = await self._organisations.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
        return [from_document(Organisation, doc) for doc in docs]  # type: ignore[misc]

    async def add_person(self, person: Person, session: AsyncClientSession) -> None:
        await self._people.insert_one(to_document(person), session=session)

    async def replace_person(self, person: Person, session: AsyncClientSession) -> None:
        await self._people.replace_one({"_id": person.id}, to_document(person), session=session)

    async def get_person(
        self, person_id: str, session: AsyncClientSession | None = None
    ) -> Person | None:
        return from_document(
            Person, await self._people.find_one({"_id": person_id}, session=session)
        )

    async def find_person_by_email(
        self, email: str, session: AsyncClientSession | None = None
    ) -> Person | None:
        doc = await self._people.find_one({"email": email}, session=session)
        return from_document(Person, doc)

    async def list_people(
        self, page: PageParams, district: str | None, organisation_id: str | None
    ) -> list[Person]:
        query: dict[str, Any] = after_cursor(page)
        if district:
            query["district"] = district
        if organisation_id:
            query["organisation_id"] = organisation_id
        docs = await self._people.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
        return [from_document(Person, doc) for doc in docs]  # type: ignore[misc]
