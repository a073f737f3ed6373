"""Meetings in MongoDB, and the base of what belongs to a meeting (its registrations,
invitations and outcomes: :class:`PartOfMeeting`).

A meeting is visible in each of its ``districts`` (an indexed array on the document). What
belongs to a meeting keeps a copy of them, ``meeting_districts``, indexed and kept up to date
when the meeting's districts change, so that every read of it is narrowed by the caller's
scope in the query itself, not only through the meeting read before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from pydantic import BaseModel
from pymongo import IndexModel

from aiq_events.meetings.schemas import Meeting
from aiq_shared.pagination import Order, Page, PageParams
from aiq_shared.repository import Repository, Session
from aiq_shared.scope import Scope

# The start as a UTC ISO string: what a list sorted by start pages through (an opaque cursor
# carries the value, and a cursor holds strings and numbers, not datetimes).
START_KEY = "starts_at_key"
BY_START = Order("starts_at", START_KEY)
BY_START_DESCENDING = Order("-starts_at", START_KEY, descending=True)
MEETING_DISTRICTS = "meeting_districts"


def start_key(meeting: Meeting) -> str:
    return meeting.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MeetingsRepository(Repository[Meeting]):
    collection_name = "meetings"
    model = Meeting

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("districts"), IndexModel([(START_KEY, 1), ("_id", 1)])]

    def to_document(self, item: Meeting) -> dict[str, Any]:
        return {**super().to_document(item), START_KEY: start_key(item)}

    async def ensure_indexes(self) -> None:
        await super().ensure_indexes()
        for meeting in await self.find({START_KEY: {"$exists": False}}):
            await self.update(meeting.id, {START_KEY: start_key(meeting)}, None)

    async def visible(
        self, meeting_id: str, scope: Scope, session: Session = None
    ) -> Meeting | None:
        """The meeting, if it is in one of the scope's districts."""
        return await self.find_one(scope.narrow({"_id": meeting_id}, "districts"), session)

    async def listed(
        self, query: Mapping[str, Any], scope: Scope, page: PageParams, order: Order
    ) -> Page[Meeting]:
        return await self.page(scope.narrow(dict(query), "districts"), page, order)

    async def districts_of(self) -> dict[str, list[str]]:
        documents = await self.collection.find({}, {"districts": 1}).to_list()
        return {d["_id"]: list(d.get("districts") or []) for d in documents}


class PartOfMeeting[M: BaseModel](Repository[M]):
    """What belongs to a meeting: visible where the meeting is (``meeting_districts``)."""

    def part_indexes(self) -> list[IndexModel]:
        return [IndexModel([("meeting_id", 1), (MEETING_DISTRICTS, 1)])]

    @staticmethod
    def of(meeting_id: str, scope: Scope, **more: Any) -> dict[str, Any]:
        """The query of the meeting's items, narrowed by the scope."""
        return scope.narrow({"meeting_id": meeting_id, **more}, MEETING_DISTRICTS)

    async def follow_meeting(
        self, meeting_id: str, districts: Sequence[str], session: Session
    ) -> None:
        """The meeting's districts changed: so did where its items are visible."""
        await self.collection.update_many(
            {"meeting_id": meeting_id},
            {"$set": {MEETING_DISTRICTS: list(districts)}},
            session=session,
        )

    async def fill_in_districts(self, meetings: Mapping[str, Sequence[str]]) -> None:
        """Items stored before they carried their meeting's districts get them (start-up)."""
        missing = {MEETING_DISTRICTS: {"$exists": False}}
        for meeting_id in await self.collection.distinct("meeting_id", missing):
            await self.collection.update_many(
                {"meeting_id": meeting_id, **missing},
                {"$set": {MEETING_DISTRICTS: list(meetings.get(meeting_id, []))}},
            )
