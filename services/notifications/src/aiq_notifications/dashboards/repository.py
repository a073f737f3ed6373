"""The district dashboards' projection (PyMongo): one document per district and meeting,
with counters that events move (``$inc``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pymongo import IndexModel

from aiq_shared.mongo import Database, Tx
from aiq_shared.repository import CountersAtCommit, Repository, Session
from aiq_shared.scope import Scope


class DashboardDocument(BaseModel):
    """A district's counters for one meeting (read as a plain document: see rules.py)."""

    model_config = ConfigDict(extra="allow")

    id: str


class DashboardsRepository(Repository[DashboardDocument]):
    collection_name = "district_dashboards"
    model = DashboardDocument

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._counters = CountersAtCommit(self.collection)

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("district")]

    async def describe_meeting(
        self, district: str, meeting_id: str, fields: dict[str, Any], session: Session
    ) -> None:
        await self.collection.update_one(
            {"_id": f"{district}:{meeting_id}"},
            {"$set": {"district": district, "meeting_id": meeting_id, **fields}},
            upsert=True,
            session=session,
        )

    def count(self, district: str, meeting_id: str, increments: dict[str, int], tx: Tx) -> None:
        """Move the meeting's counters in the district (added up over the transaction)."""
        if increments:
            self._counters.add(
                tx,
                f"{district}:{meeting_id}",
                increments,
                fields={"district": district, "meeting_id": meeting_id},
            )

    async def of_districts(
        self, scope: Scope, districts: list[str], since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The meetings of ``districts`` (those in ``scope``), by start."""
        if not districts:  # nobody's: an empty $in breaks the embedded server's planner
            return []
        query: dict[str, Any] = {"district": {"$in": districts}}
        if since is not None:
            query["starts_at"] = {"$gte": since}
        return await self.collection.find(scope.narrow(query)).sort("starts_at", 1).to_list()
