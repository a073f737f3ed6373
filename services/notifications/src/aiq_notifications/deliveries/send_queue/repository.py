"""The send queue: one small entry per delivery still to be sent (``rules.Due``), PyMongo.

The sender asks it what is due and takes several entries at once by moving their ``due_at``
to the end of a lease and marking them with the lease's token (one replica wins each: the
update is conditional on the entry still being due; the token tells which it won). It marks
an entry handed over once the SMTP server has the email. An entry goes when its delivery is
sent, dead or stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pymongo import IndexModel

from aiq_notifications.deliveries.rules import Due, Lease
from aiq_shared.repository import Repository, Session


class SendQueueRepository(Repository[Due]):
    collection_name = "send_queue"
    model = Due

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("due_at")]

    async def enqueue(self, delivery_id: str, due_at: datetime, session: Session) -> None:
        await self.collection.update_one(
            {"_id": delivery_id}, {"$setOnInsert": {"due_at": due_at}}, upsert=True, session=session
        )

    async def due(self, now: datetime, limit: int) -> list[Due]:
        """Up to ``limit`` entries due by ``now``, the longest due first."""
        documents = await self.database.retrying(
            lambda: (
                self.collection.find({"due_at": {"$lte": now}})
                .sort("due_at", 1)
                .limit(limit)
                .to_list()
            )
        )
        return self._models(documents)

    async def take(self, entries: Sequence[Due], now: datetime, lease: Lease) -> list[str]:
        """Hold the entries that are still due until the end of ``lease``, in one update; the
        ids held (the others: another sender took them, or they are done)."""
        ids = [entry.id for entry in entries]
        taken = await self.database.retrying(
            lambda: self.collection.update_many(
                {"_id": {"$in": ids}, "due_at": {"$lte": now}},
                {"$set": {"due_at": lease.until, "taken_by": lease.token}},
            )
        )
        return ids if taken.modified_count == len(ids) else await self._held(ids, lease)

    async def renew(self, ids: Sequence[str], lease: Lease) -> list[str]:
        """The entries still held by ``lease``'s sender, held until its (new) end; their ids."""
        renewed = await self.database.retrying(
            lambda: self.collection.update_many(
                {"_id": {"$in": list(ids)}, "taken_by": lease.token},
                {"$set": {"due_at": lease.until}},
            )
        )
        return list(ids) if renewed.modified_count == len(ids) else await self._held(ids, lease)

    async def _held(self, ids: Sequence[str], lease: Lease) -> list[str]:
        """Which of ``ids`` ``lease``'s sender holds (also after a retried update)."""
        documents = await self.collection.find(
            {"_id": {"$in": list(ids)}, "taken_by": lease.token, "due_at": lease.until},
            {"_id": 1},
        ).to_list()
        held = {d["_id"] for d in documents}
        return [i for i in ids if i in held]

    async def handed_over(self, delivery_id: str, at: datetime, record_by: datetime) -> None:
        await self.database.retrying(
            lambda: self.collection.update_one(
                {"_id": delivery_id}, {"$set": {"handed_over_at": at, "due_at": record_by}}
            )
        )

    async def due_again(self, delivery_id: str, at: datetime, session: Session) -> None:
        await self.collection.update_one(
            {"_id": delivery_id},
            {"$set": {"due_at": at}, "$unset": {"handed_over_at": ""}},
            session=session,
        )

    async def done(self, delivery_ids: Iterable[str], session: Session) -> set[str]:
        """The entries of these deliveries go; the ids of those that were still there."""
        ids = sorted(set(delivery_ids))
        if not ids:  # (an empty $in breaks the embedded server)
            return set()
        there = {
            d["_id"]
            for d in await self.collection.find(
                {"_id": {"$in": ids}}, {"_id": 1}, session=session
            ).to_list()
        }
        if there:
            await self.collection.delete_many({"_id": {"$in": sorted(there)}}, session=session)
        return there
