"""The only place the contacts service touches PyMongo."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from aiq_contacts import listing
from aiq_contacts.consent import ConsentRecord
from aiq_contacts.domain import Organisation, Person
from aiq_contacts.history import FollowUp, Interaction
from aiq_contacts.imports import ImportJob
from aiq_contacts.names import duplicate_key, fold, search_terms
from aiq_contacts.segments import Segment
from aiq_shared.mongo import Database

ORGANISATIONS = "organisations"
PEOPLE = "people"
CONSENTS = "consent_records"
OPT_IN_REQUESTS = "double_opt_in_requests"
SEGMENTS = "segments"
INTERACTIONS = "interactions"
FOLLOW_UPS = "follow_ups"
IMPORT_JOBS = "import_jobs"
# One document per email address in use, the address its _id: two transactions cannot both
# give the same address to a person (MongoDB's snapshot isolation would let both find none).
EMAIL_ADDRESSES = "email_addresses"
ERASED = "erased_people"  # tombstones: only an id and a time, so late events are not re-stored

Session = AsyncClientSession | None


async def ensure_indexes(database: Database) -> None:
    for field in ("district", "duplicate_key", "sort_name", "officer"):
        await database[ORGANISATIONS].create_index(field)
    for field in ("district", "organisation_id", "email", "other_emails", "sort_name"):
        await database[PEOPLE].create_index(field)
    await database[PEOPLE].create_index("memberships.organisation_id")
    await database[CONSENTS].create_index("person_id")
    await database[OPT_IN_REQUESTS].create_index("person_id")
    await database[INTERACTIONS].create_index("organisation_id")
    await database[INTERACTIONS].create_index("person_id")
    await database[INTERACTIONS].create_index("source_id")  # a registration's one entry
    await database[FOLLOW_UPS].create_index([("owner", 1), ("status", 1)])
    await database[FOLLOW_UPS].create_index("organisation_id")
    await database[FOLLOW_UPS].create_index("person_id")
    await database[EMAIL_ADDRESSES].create_index("person_id")


def _organisation_fields(organisation: Organisation) -> dict[str, Any]:
    return {
        "search": search_terms(organisation.name),
        "sort_name": fold(organisation.name),
        "duplicate_key": duplicate_key(organisation.name),
        "postcode": organisation.address.postcode if organisation.address else None,
    }


def _person_fields(person: Person) -> dict[str, Any]:
    return {
        "search": search_terms(person.first_name, person.last_name, *person.addresses),
        "sort_name": fold(f"{person.last_name or ''} {person.first_name}"),
    }


def _follow_up_fields(follow_up: FollowUp) -> dict[str, Any]:
    return {"due_sort": follow_up.due.isoformat() if follow_up.due else listing.NO_DUE_DATE}


class Store[M: BaseModel]:
    """One collection of one model; ``derived`` adds stored fields for search and sorting."""

    def __init__(
        self,
        database: Database,
        name: str,
        model: type[M],
        derived: Callable[[M], dict[str, Any]] | None = None,
    ) -> None:
        self.collection = database[name]
        self._model = model
        self._derived = derived

    def document(self, item: M) -> dict[str, Any]:
        document = item.model_dump(mode="json")
        for key, value in item.model_dump().items():  # datetimes stay BSON dates
            if isinstance(value, datetime):
                document[key] = value
        document["_id"] = document.pop("id")
        if self._derived is not None:
            document.update(self._derived(item))
        return document

    def model(self, document: dict[str, Any] | None) -> M | None:
        if document is None:
            return None
        return self._model.model_validate({**document, "id": document["_id"]})

    async def add(self, item: M, session: Session = None) -> None:
        await self.collection.insert_one(self.document(item), session=session)

    async def replace(self, item: M, session: Session = None, upsert: bool = False) -> None:
        document = self.document(item)
        await self.collection.replace_one(
            {"_id": document["_id"]}, document, session=session, upsert=upsert
        )

    async def get(self, item_id: str, session: Session = None) -> M | None:
        return self.model(await self.collection.find_one({"_id": item_id}, session=session))

    async def delete(self, item_id: str, session: Session = None) -> None:
        await self.collection.delete_one({"_id": item_id}, session=session)

    async def find(
        self,
        query: listing.Query,
        session: Session = None,
        sort: list[tuple[str, int]] | None = None,
        limit: int = 0,
    ) -> list[M]:
        if query is None:
            return []
        cursor = self.collection.find(query, session=session).sort(sort or [("_id", 1)])
        if limit:
            cursor = cursor.limit(limit)
        return [self.model(doc) for doc in await cursor.to_list()]  # type: ignore[misc]

    async def page(self, query: listing.Query, list_query: listing.ListQuery):
        """One page in ``list_query``'s order, and how many match in all (None: nobody)."""
        if query is None:
            listing.after(list_query.sort, list_query.cursor)  # a bad cursor is still refused
            return listing.CountedPage[self._model](items=[], total=0)
        paged = listing.with_cursor(query, list_query.sort, list_query.cursor)
        sort = listing.sort_spec(list_query.sort)
        docs = await self.collection.find(paged).sort(sort).limit(list_query.limit + 1).to_list()
        total = await self.collection.count_documents(query)
        next_cursor = None
        if len(docs) > list_query.limit:
            docs = docs[: list_query.limit]
            next_cursor = listing.encode_cursor(list_query.sort, docs[-1])
        return listing.CountedPage(
            items=[self.model(doc) for doc in docs], next_cursor=next_cursor, total=total
        )

    async def ids(self, query: dict[str, Any], session: Session = None) -> list[str]:
        docs = await self.collection.find(query, {"_id": 1}, session=session).to_list()
        return [doc["_id"] for doc in docs]


class ContactsRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.organisations = Store(database, ORGANISATIONS, Organisation, _organisation_fields)
        self.people = Store(database, PEOPLE, Person, _person_fields)
        self.consents = Store(database, CONSENTS, ConsentRecord)
        self.segments = Store(database, SEGMENTS, Segment, lambda s: {"sort_name": fold(s.name)})
        self.interactions = Store(database, INTERACTIONS, Interaction)
        self.follow_ups = Store(database, FOLLOW_UPS, FollowUp, _follow_up_fields)
        self.import_jobs = Store(database, IMPORT_JOBS, ImportJob)
        self.opt_in_requests = database[OPT_IN_REQUESTS]
        self.erased = database[ERASED]
        self.email_addresses = database[EMAIL_ADDRESSES]

    async def get_organisation(
        self, organisation_id: str, session: Session = None
    ) -> Organisation | None:
        return await self.organisations.get(organisation_id, session)

    async def organisations_by_id(
        self, ids: Collection[str], session: Session = None
    ) -> dict[str, Organisation]:
        found = await self.organisations.find({"_id": {"$in": list(ids)}} if ids else None, session)
        return {organisation.id: organisation for organisation in found}

    async def members_of(self, organisation_id: str, session: Session = None) -> list[Person]:
        """The people who belong to the organisation (main or other membership)."""
        return await self.people.find(listing.member_of([organisation_id]), session)

    async def get_person(self, person_id: str, session: Session = None) -> Person | None:
        return await self.people.get(person_id, session)

    async def find_person_by_email(self, email: str, session: Session = None) -> Person | None:
        doc = await self.people.collection.find_one(
            {"$or": [{"email": email}, {"other_emails": email}]}, session=session
        )
        return self.people.model(doc)

    async def claim_addresses(
        self, person_id: str, addresses: list[str], session: Session = None
    ) -> str | None:
        """Give ``addresses`` to the person; the id of a person holding one already, if any."""
        for address in addresses:
            try:
                await self.email_addresses.insert_one(
                    {"_id": address, "person_id": person_id}, session=session
                )
            except DuplicateKeyError:
                holder = await self.email_addresses.find_one({"_id": address}, session=session)
                return holder["person_id"] if holder else "unknown"
        return None

    async def release_addresses(
        self, person_id: str, addresses: list[str] | None = None, session: Session = None
    ) -> None:
        """Free the person's addresses (``None``: all of them)."""
        query: dict[str, Any] = {"person_id": person_id}
        if addresses is not None:
            query["_id"] = {"$in": addresses}
        await self.email_addresses.delete_many(query, session=session)

    async def organisations_named_like(
        self, name: str, session: Session = None
    ) -> list[Organisation]:
        return await self.organisations.find({"duplicate_key": duplicate_key(name)}, session)

    async def person_query(
        self, list_query: listing.ListQuery, organisation_id: str | None = None
    ) -> listing.Query:
        """A ContactFilter over people: organisation criteria are looked up first."""
        criteria = list_query.filter
        org_criteria = listing.organisation_criteria(criteria, list_query.industry_sections)
        organisation_ids = tagged = None
        if org_criteria:
            organisation_ids = await self.organisations.ids({"$and": org_criteria})
        if criteria.tags:
            tags = {"tags": {"$in": list(criteria.tags)}}
            tagged = await self.organisations.ids({"$and": [*org_criteria, tags]})
        return listing.person_query(
            criteria,
            list_query.q,
            organisation_ids=organisation_ids,
            tagged_organisation_ids=tagged,
            organisation_id=organisation_id,
        )

    async def attendance_entry(
        self, registration_id: str, session: Session = None
    ) -> Interaction | None:
        """The history entry of one registration (its attendance)."""
        document = await self.interactions.collection.find_one(
            {"source_id": registration_id, "kind": "meeting_attendance"}, session=session
        )
        return self.interactions.model(document)

    async def attendance_entries(self, **subject: str) -> list[Interaction]:
        """The attendance entries about an organisation or a person, oldest first."""
        return await self.interactions.find({**subject, "kind": "meeting_attendance"})

    async def is_erased(self, person_id: str, session: Session = None) -> bool:
        return await self.erased.find_one({"_id": person_id}, session=session) is not None
