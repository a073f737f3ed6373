"""The organisations collection (PyMongo only here and in the other repositories), and what
list criteria mean as queries over it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pymongo import IndexModel

from aiq_contacts.organisations.rules import duplicate_key
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.search.repository import ListedRepository, all_of, name_search
from aiq_contacts.search.rules import fold, search_terms
from aiq_contacts.search.schemas import CountedPage
from aiq_shared.pagination import Order, PageParams
from aiq_shared.repository import Session
from aiq_shared.scope import Scope
from aiq_shared.targeting import ContactFilter


def _partner_since(criteria: ContactFilter) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if criteria.partner_since_from:
        bounds["$gte"] = criteria.partner_since_from.isoformat()
    if criteria.partner_since_to:
        bounds["$lte"] = criteria.partner_since_to.isoformat()
    return {"partner_since": bounds} if bounds else {}


def organisation_criteria(
    criteria: ContactFilter, sections: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The filter's organisation criteria (not tags: those count on person or organisation)
    and the WZ 2008 ``sections`` of the industry."""
    parts: list[dict[str, Any]] = []
    for field, wanted in (
        ("industry", criteria.industries),
        ("industry_section", sections),
        ("status", criteria.statuses),
        ("kind", criteria.organisation_kinds),
        ("officer", criteria.officers),
    ):
        if wanted:
            parts.append({field: {"$in": list(wanted)}})
    if since := _partner_since(criteria):
        parts.append(since)
    return parts


def organisation_query(
    criteria: ContactFilter, q: str | None = None, sections: Sequence[str] = ()
) -> dict[str, Any]:
    parts = organisation_criteria(criteria, sections) + name_search(q)
    if criteria.districts:
        parts.append({"district": {"$in": list(criteria.districts)}})
    if criteria.tags:
        parts.append({"tags": {"$in": list(criteria.tags)}})
    return all_of(parts)


class OrganisationRepository(ListedRepository[Organisation]):
    """An organisation belongs to one district, its ``district`` (indexed)."""

    collection_name = "organisations"
    model = Organisation
    districts_field = "district"

    def indexes(self) -> Sequence[IndexModel]:
        return [
            IndexModel(field) for field in ("district", "duplicate_key", "sort_name", "officer")
        ]

    def to_document(self, item: Organisation) -> dict[str, Any]:
        """With what search, sorting and duplicate detection read."""
        return super().to_document(item) | {
            "search": search_terms(item.name),
            "sort_name": fold(item.name),
            "duplicate_key": duplicate_key(item.name),
            "postcode": item.postcode,
        }

    async def named_like(self, name: str, session: Session = None) -> list[Organisation]:
        """Organisations whose name reads the same without legal form, case and accents."""
        return await self.find({"duplicate_key": duplicate_key(name)}, session, sort=[("_id", 1)])

    async def by_ids(
        self, ids: Collection[str], scope: Scope, session: Session = None
    ) -> dict[str, Organisation]:
        """Those of the organisations that are in ``scope``, by id."""
        if not ids:
            return {}
        found = await self.find(
            scope.narrow({"_id": {"$in": list(ids)}}, self.districts_field), session
        )
        return {organisation.id: organisation for organisation in found}

    async def listed(
        self,
        criteria: ContactFilter,
        q: str | None,
        sections: Sequence[str],
        params: PageParams,
        order: Order,
        scope: Scope,
    ) -> CountedPage[Organisation]:
        query = organisation_query(criteria, q, sections)
        return await self.counted_page(query, params, order, scope)

    async def exported(
        self,
        criteria: ContactFilter,
        q: str | None,
        sections: Sequence[str],
        order: Order,
        most: int,
        scope: Scope,
    ) -> list[Organisation]:
        return await self.in_order(organisation_query(criteria, q, sections), order, most, scope)

    async def selection(
        self, criteria: ContactFilter, sections: Sequence[str] = ()
    ) -> tuple[list[str] | None, list[str] | None]:
        """For a people list: the ids of the organisations meeting the filter's organisation
        criteria (None: it has none), and of those of them carrying one of its tags (None: it
        names no tags)."""
        parts = organisation_criteria(criteria, sections)
        meeting = await self._ids(parts) if parts else None
        tagged = None
        if criteria.tags:
            tagged = await self._ids([*parts, {"tags": {"$in": list(criteria.tags)}}])
        return meeting, tagged

    async def _ids(self, criteria: list[dict[str, Any]]) -> list[str]:
        documents = await self.collection.find(all_of(criteria), {"_id": 1}).to_list()
        return [document["_id"] for document in documents]
