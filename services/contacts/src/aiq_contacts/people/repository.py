"""The people collection, the email addresses in use and the erased people's tombstones
(PyMongo only here and in the other repositories), and what list criteria mean as queries
over people."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from aiq_contacts.people.schemas import Person
from aiq_contacts.search.keys import is_many, keyed_any, set_key
from aiq_contacts.search.repository import ListedRepository, Query, all_of, name_search
from aiq_contacts.search.rules import fold, search_terms
from aiq_contacts.search.schemas import CountedPage
from aiq_shared.pagination import Order, PageParams
from aiq_shared.repository import Repository, Session
from aiq_shared.scope import Scope
from aiq_shared.targeting import ContactFilter


def member_of(organisation_ids: list[str]) -> dict[str, Any]:
    """People who belong to one of the organisations (main or other membership; people stored
    before memberships have only ``organisation_id``)."""
    return {
        "$or": [
            {"organisation_id": {"$in": organisation_ids}},
            {"memberships.organisation_id": {"$in": organisation_ids}},
        ]
    }


def member_by_key(organisation_ids: list[str], many_keys: Collection[str]) -> dict[str, Any]:
    """:func:`member_of` on the scalar ``organisations_key`` (``many_keys``: the keys of the
    people of several organisations), which the embedded server reads from its index."""
    return keyed_any("organisations_key", organisation_ids, many_keys)


def person_query(
    criteria: ContactFilter,
    q: str | None = None,
    *,
    organisation_ids: list[str] | None = None,
    tagged_organisation_ids: list[str] | None = None,
    organisation_id: str | None = None,
    organisation_keys: Collection[str] | None = None,
) -> Query:
    """``organisation_ids``: organisations meeting the organisation criteria (None: no such
    criteria); ``tagged_organisation_ids``: those of them carrying one of the filter's tags.
    A person is selected when one organisation they belong to meets the criteria and the tag
    is on them or on it (``aiq_shared.targeting.matches``). None when nobody can match.
    With ``organisation_keys`` (see :func:`member_by_key`) membership is asked on the key."""
    membership = (
        member_of
        if organisation_keys is None
        else partial(member_by_key, many_keys=organisation_keys)
    )
    parts: list[dict[str, Any]] = name_search(q)
    if criteria.districts:
        parts.append({"district": {"$in": list(criteria.districts)}})
    if criteria.person_kinds:
        parts.append({"kind": {"$in": list(criteria.person_kinds)}})
    if criteria.has_consent is not None:
        parts.append({"email_consent": criteria.has_consent})
    if organisation_id is not None:
        parts.append(membership([organisation_id]))
    if criteria.tags:
        own_tags: dict[str, Any] = {"tags": {"$in": list(criteria.tags)}}
        branches = []
        if organisation_ids is None:
            branches.append(own_tags)
        elif organisation_ids:
            branches.append({"$and": [own_tags, membership(organisation_ids)]})
        if tagged_organisation_ids:
            branches.append(membership(tagged_organisation_ids))
        if not branches:
            return None
        parts.append(branches[0] if len(branches) == 1 else {"$or": branches})
    elif organisation_ids is not None:
        if not organisation_ids:
            return None
        parts.append(membership(organisation_ids))
    return all_of(parts)


class PeopleSelection(BaseModel):
    """Who a people list selects: the filter, the search words, and what the organisations'
    side of the filter found (see :func:`person_query`)."""

    criteria: ContactFilter = ContactFilter()
    q: str | None = None
    organisation_ids: list[str] | None = None
    tagged_organisation_ids: list[str] | None = None
    organisation_id: str | None = None

    def query(self, organisation_keys: Collection[str] | None = None) -> Query:
        return person_query(
            self.criteria,
            self.q,
            organisation_ids=self.organisation_ids,
            tagged_organisation_ids=self.tagged_organisation_ids,
            organisation_id=self.organisation_id,
            organisation_keys=organisation_keys,
        )


def district_keys(districts: Collection[str]) -> dict[str, Any]:
    key = set_key(districts)
    return {"districts_key": key, "districts_many": is_many(key)}


class PersonRepository(ListedRepository[Person]):
    """A person is visible in ``districts`` (their own and their organisations'; indexed).

    Lists ask the scope and membership on scalar keys of these sets (``districts_key``,
    ``organisations_key``; :mod:`aiq_contacts.search.keys`), single reads check the scope
    on the person read by id: the embedded server answers no query that names an array field
    from an index."""

    collection_name = "people"
    model = Person

    def indexes(self) -> Sequence[IndexModel]:
        fields = ("district", "districts", "organisation_id", "email", "other_emails", "sort_name")
        keys = ("districts_key", "districts_many", "organisations_key", "organisations_many")
        return [
            *(IndexModel(field) for field in (*fields, *keys)),
            IndexModel("memberships.organisation_id"),
        ]

    def to_document(self, item: Person) -> dict[str, Any]:
        """With what search, sorting and the lists' keys read."""
        organisations = set_key(
            [item.organisation_id, *(m.organisation_id for m in item.memberships)]
        )
        return (
            super().to_document(item)
            | {
                "search": search_terms(item.first_name, item.last_name, *item.addresses),
                "sort_name": fold(f"{item.last_name or ''} {item.first_name}"),
                "organisations_key": organisations,
                "organisations_many": is_many(organisations),
            }
            | district_keys(item.districts)
        )

    async def narrowed(self, query: Query, scope: Scope) -> Query:
        if query is None or scope.sees_all or not scope.districts:
            return self.scoped(query, scope)
        many = await self.collection.distinct("districts_key", {"districts_many": True})
        return all_of(
            [*([query] if query else []), keyed_any("districts_key", scope.districts, many)]
        )

    async def _query(self, selection: PeopleSelection) -> Query:
        many = await self.collection.distinct("organisations_key", {"organisations_many": True})
        return selection.query(organisation_keys=many)

    async def listed(
        self, selection: PeopleSelection, params: PageParams, order: Order, scope: Scope
    ) -> CountedPage[Person]:
        return await self.counted_page(await self._query(selection), params, order, scope)

    async def exported(
        self, selection: PeopleSelection, order: Order, most: int, scope: Scope
    ) -> list[Person]:
        return await self.in_order(await self._query(selection), order, most, scope)

    async def visible(self, item_id: str, scope: Scope, session: Session = None) -> Person | None:
        """The person, if visible in ``scope`` (read by id, the scope checked here)."""
        person = await self.get(item_id, session)
        return person if person is not None and scope.covers(person.districts) else None

    async def by_ids(self, ids: Collection[str], scope: Scope) -> dict[str, Person]:
        """Those of the people in ``scope``, by id."""
        if not ids:
            return {}
        found = await self.find({"_id": {"$in": list(ids)}})
        return {person.id: person for person in found if scope.covers(person.districts)}

    async def place(self, person_id: str, districts: list[str], session: Session) -> None:
        """The districts the person is visible in (after an organisation of theirs moved)."""
        await self.update(person_id, {"districts": districts, **district_keys(districts)}, session)

    async def unplaced(self) -> list[Person]:
        """People stored before they had ``districts`` or the lists' keys (placed and keyed
        once, at start-up; asked on the scalar key, which the embedded server indexes)."""
        return await self.find({"districts_key": {"$exists": False}})

    async def members_of(self, organisation_id: str, session: Session = None) -> list[Person]:
        """The people who belong to the organisation (main or other membership)."""
        return await self.find(member_of([organisation_id]), session, sort=[("_id", 1)])

    async def with_address(self, email: str, session: Session = None) -> Person | None:
        return await self.find_one({"$or": [{"email": email}, {"other_emails": email}]}, session)


class EmailAddress(BaseModel):
    id: str  # the address itself
    person_id: str


class EmailAddressRepository(Repository[EmailAddress]):
    """One document per email address in use, the address its _id: two transactions cannot
    both give the same address to a person (MongoDB's snapshot isolation would let both find
    none)."""

    collection_name = "email_addresses"
    model = EmailAddress

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("person_id")]

    async def claim(self, person_id: str, addresses: list[str], session: Session) -> str | None:
        """Give ``addresses`` to the person; the id of a person holding one already, if any."""
        for address in addresses:
            try:
                await self.add(EmailAddress(id=address, person_id=person_id), session)
            except DuplicateKeyError:
                holder = await self.get(address, session)
                return holder.person_id if holder else "unknown"
        return None

    async def release(
        self, person_id: str, session: Session, addresses: list[str] | None = None
    ) -> None:
        """Free the person's addresses (``None``: all of them)."""
        query: dict[str, Any] = {"person_id": person_id}
        if addresses is not None:
            query["_id"] = {"$in": addresses}
        await self.collection.delete_many(query, session=session)


class Tombstone(BaseModel):
    """An erased person: only the id and the time, so late events about them are not stored
    again."""

    id: str
    erased_at: AwareDatetime


class ErasedPeopleRepository(Repository[Tombstone]):
    collection_name = "erased_people"
    model = Tombstone

    async def is_erased(self, person_id: str, session: Session = None) -> bool:
        return await self.get(person_id, session) is not None

    async def bury(self, person_id: str, at: datetime, session: Session) -> None:
        await self.add(Tombstone(id=person_id, erased_at=at), session)
