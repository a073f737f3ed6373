"""Parked records: events whose handler could not run yet (``RetryLater``), kept aside in the
service's database so the partition goes on at once.

A parked record keeps its Kafka value and headers, the consumer it belongs to and what it waits
for. The consumer tries its parked records again whenever it has handled new events, and
every second; records waiting for the same thing go in the order they came, and the first one
that still can't run holds back only those behind it. A record parked longer than
``CONSUMER_RETRY_LATER_S`` goes to the dead-letter topic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from aiq_shared.mongo import Database

PARKED = "parked_events"


class ParkedEvents:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._collection = database[PARKED]

    async def ensure_indexes(self) -> None:
        await self._collection.create_indexes(
            [IndexModel([("consumer", ASCENDING), ("_id", ASCENDING)])]
        )

    async def park(
        self,
        *,
        consumer: str,
        waits_for: str,
        reason: str,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, bytes]],
        at: datetime,
    ) -> None:
        document = {
            "_id": f"{consumer}:{topic}:{partition}:{offset}",
            "consumer": consumer,
            "waits_for": waits_for,
            "reason": reason,
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "key": key,
            "value": value,
            "headers": [[name, bytes(raw)] for name, raw in headers],
            "parked_at": at,
        }
        await self._database.retrying(
            lambda: self._collection.replace_one({"_id": document["_id"]}, document, upsert=True)
        )

    async def waiting(self, consumer: str, limit: int = 500) -> list[dict[str, Any]]:
        """The consumer's parked records, oldest first (parked ids sort by offset within a
        partition only; ``parked_at`` then ``_id`` keeps their order)."""
        return (
            await self._collection.find({"consumer": consumer})
            .sort([("parked_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
            .to_list(limit)
        )

    async def is_waiting(self, consumer: str, waits_for: str) -> bool:
        found = await self._collection.find_one({"consumer": consumer, "waits_for": waits_for})
        return found is not None

    async def release(self, record_id: str) -> None:
        await self._database.retrying(lambda: self._collection.delete_one({"_id": record_id}))

    async def count(self, consumer: str | None = None) -> int:
        return await self._collection.count_documents({"consumer": consumer} if consumer else {})
