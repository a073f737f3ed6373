"""The contact history: interactions (with meeting attendance and outcomes) and follow-ups
(PyMongo only here and in the other repositories)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pymongo import IndexModel

from aiq_contacts.history.schemas import FollowUp, Interaction
from aiq_contacts.search.repository import ListedRepository
from aiq_contacts.search.schemas import NO_DUE_DATE, CountedPage
from aiq_shared.pagination import Order, PageParams
from aiq_shared.repository import Session

OLDEST_FIRST = [("_id", 1)]


class _Entries[M: BaseModel](ListedRepository[M]):
    """What interactions and follow-ups have alike: each is about an organisation, a person,
    or both."""

    async def listed(self, params: PageParams, order: Order, **about: str | None) -> CountedPage[M]:
        """The entries about what ``about`` names (organisation_id, person_id, ...)."""
        selector = {key: value for key, value in about.items() if value is not None}
        return await self.counted_page(selector, params, order)

    async def about_person(self, person_id: str) -> list[M]:
        return await self.find({"person_id": person_id}, sort=OLDEST_FIRST)

    async def move_organisation(self, merged_id: str, surviving_id: str, session: Session) -> None:
        """A merged organisation's entries are the surviving one's."""
        await self.collection.update_many(
            {"organisation_id": merged_id},
            {"$set": {"organisation_id": surviving_id}},
            session=session,
        )


class InteractionRepository(_Entries[Interaction]):
    collection_name = "interactions"
    model = Interaction

    def indexes(self) -> Sequence[IndexModel]:
        # source_id: a registration's one attendance entry
        return [IndexModel(field) for field in ("organisation_id", "person_id", "source_id")]

    async def attendance_entry(
        self, registration_id: str, session: Session = None
    ) -> Interaction | None:
        """The history entry of one registration (its attendance)."""
        return await self.find_one(
            {"source_id": registration_id, "kind": "meeting_attendance"}, session
        )

    async def attendance_entries(self, **subject: str) -> list[Interaction]:
        """The attendance entries about an organisation or a person, oldest first."""
        return await self.find({**subject, "kind": "meeting_attendance"}, sort=OLDEST_FIRST)

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
