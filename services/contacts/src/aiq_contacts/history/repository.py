"""The contact history: interactions (with meeting attendance and outcomes) and follow-ups
(PyMongo only here and in the other repositories). Each entry keeps the districts it is
visible in (``districts``, indexed; see ``rules.entry_districts``), and every read is narrowed
to the caller's scope on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pymongo import IndexModel

from aiq_contacts.history.schemas import FollowUp, Interaction
from aiq_contacts.search.repository import ListedRepository, all_of
from aiq_contacts.search.schemas import NO_DUE_DATE, CountedPage
from aiq_shared.pagination import Order, PageParams
from aiq_shared.repository import Session
from aiq_shared.scope import Scope

OLDEST_FIRST = [("_id", 1)]


def entry_query(districts: Sequence[str] = (), **about: Any) -> dict[str, Any]:
    """The entries about what ``about`` names (organisation_id, person_id, kind, ... a list
    for any of several), in any of ``districts``."""
    parts: list[dict[str, Any]] = []
    for key, value in about.items():
        if isinstance(value, list | tuple):
            if value:
                parts.append({key: {"$in": list(value)}})
        elif value is not None:
            parts.append({key: value})
    if districts:
        parts.append({"districts": {"$in": list(districts)}})
    return all_of(parts)


class _Entries[M: BaseModel](ListedRepository[M]):
    """What interactions and follow-ups have alike: each is about an organisation, a person,
    or both, and visible in its districts."""

    async def listed(
        self,
        params: PageParams,
        order: Order,
        scope: Scope,
        districts: Sequence[str] = (),
        **about: Any,
    ) -> CountedPage[M]:
        """The entries about what ``about`` names, in ``districts`` (any) and ``scope``."""
        return await self.counted_page(entry_query(districts, **about), params, order, scope)

    async def about_person(self, person_id: str, scope: Scope) -> list[M]:
        query = scope.narrow({"person_id": person_id}, self.districts_field)
        return await self.find(query, sort=OLDEST_FIRST)

    async def move_organisation(
        self, merged_id: str, surviving_id: str, districts: list[str], session: Session
    ) -> None:
        """A merged organisation's entries are the surviving one's, in its district."""
        await self.collection.update_many(
            {"organisation_id": merged_id},
            {"$set": {"organisation_id": surviving_id, "districts": districts}},
            session=session,
        )

    async def place_organisation(
        self, organisation_id: str, districts: list[str], session: Session
    ) -> None:
        """The entries about an organisation follow it to its district."""
        await self.collection.update_many(
            {"organisation_id": organisation_id},
            {"$set": {"districts": districts}},
            session=session,
        )

    async def place_person(self, person_id: str, districts: list[str], session: Session) -> None:
        """The entries only about a person follow the districts the person is visible in."""
        await self.collection.update_many(
            {"person_id": person_id, "organisation_id": None},
            {"$set": {"districts": districts}},
            session=session,
        )

    async def unplaced(self, most: int) -> list[M]:
        """Entries stored before they had districts (placed once, at start-up)."""
        return await self.find({"districts": {"$exists": False}}, sort=OLDEST_FIRST, limit=most)


class InteractionRepository(_Entries[Interaction]):
    collection_name = "interactions"
    model = Interaction

    def indexes(self) -> Sequence[IndexModel]:
        # source_id: a registration's one attendance entry; districts and occurred_sort: a
        # district's recent history
        return [
            *(IndexModel(field) for field in ("organisation_id", "person_id", "source_id")),
            IndexModel([("districts", 1), ("occurred_sort", -1)]),
        ]

    def to_document(self, item: Interaction) -> dict[str, Any]:
        """With the time as the newest-first order reads it (UTC, to the millisecond)."""
        occurred = item.occurred_at.isoformat(timespec="milliseconds")
        return super().to_document(item) | {"occurred_sort": occurred}

    async def attendance_entry(
        self, registration_id: str, session: Session = None
    ) -> Interaction | None:
        """The history entry of one registration (its attendance)."""
        return await self.find_one(
            {"source_id": registration_id, "kind": "meeting_attendance"}, session
        )

    async def attendance_entries(self, scope: Scope, **subject: str) -> list[Interaction]:
        """The attendance entries about an organisation or a person, oldest first."""
        query = scope.narrow({**subject, "kind": "meeting_attendance"}, self.districts_field)
        return await self.find(query, sort=OLDEST_FIRST)

    async def forget_person(self, person_id: str, session: Session) -> None:
        await self.collection.delete_many({"person_id": person_id}, session=session)


class FollowUpRepository(_Entries[FollowUp]):
    collection_name = "follow_ups"
    model = FollowUp

    def indexes(self) -> Sequence[IndexModel]:
        return [
            IndexModel([("owner", 1), ("status", 1)]),
            IndexModel("organisation_id"),
            IndexModel("person_id"),
            IndexModel("districts"),
        ]

    def to_document(self, item: FollowUp) -> dict[str, Any]:
        """With the due date as due order reads it (none: last)."""
        due = item.due.isoformat() if item.due else NO_DUE_DATE
        return super().to_document(item) | {"due_sort": due}

    async def forget_person(self, person_id: str, session: Session) -> None:
        """Follow-ups only about the person go; one about their organisation stays, without
        them."""
        by_person = {"person_id": person_id}
        await self.collection.delete_many({**by_person, "organisation_id": None}, session=session)
        await self.collection.update_many(by_person, {"$set": {"person_id": None}}, session=session)
