"""The outbox relay: publishes what transactions wrote to the ``outbox`` collection, in order.

Woken right after a commit (``Database.outbox_written``), polling as a fallback; no change
streams (the embedded server has none). Published records are deleted, which keeps the
collection small. When several replicas run, a lease lets one relay publish at a time so a
meeting's events keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from pymongo.errors import PyMongoError

from aiq_shared import metrics
from aiq_shared.leases import Leases, process_owner
from aiq_shared.mongo import OUTBOX, Database

log = structlog.get_logger(__name__)

LEASE = "outbox-relay"
LEASE_TTL = timedelta(seconds=15)
BATCH = 200


class OutboxRelay:
    def __init__(
        self, database: Database, producer: AIOKafkaProducer, *, poll_interval_s: float = 1.0
    ) -> None:
        self._database = database
        self._producer = producer
        self._poll_interval_s = poll_interval_s
        self._leases = Leases(database, process_owner(self))
        self.published = 0

    async def run(self) -> None:
        """Publish until cancelled; Kafka or MongoDB trouble means wait and try again."""
        while True:
            try:
                await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except (KafkaError, PyMongoError, OSError) as error:
                log.warning("outbox.publish_failed", error=repr(error))
                await asyncio.sleep(self._poll_interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._database.outbox_written.wait(), timeout=self._poll_interval_s
                )

    async def publish_pending(self) -> int:
        """Publish every pending record in ``_id`` order; returns how many were published."""
        count = 0
        while True:
            self._database.outbox_written.clear()
            if not await self._hold_lease():
                return count
            records = (
                await self._database[OUTBOX].find({}).sort("_id", 1).limit(BATCH).to_list(BATCH)
            )
            metrics.OUTBOX_PENDING.set(len(records))
            if not records:
                return count
            sends = [
                await self._producer.send(
                    record["topic"],
                    bytes(record["value"]),
                    key=bytes(record["key"]) if record.get("key") is not None else None,
                    headers=[(name, bytes(value)) for name, value in record["headers"]],
                )
                for record in records
            ]
            await asyncio.gather(*sends)
            await self._forget([r["_id"] for r in records])
            for record in records:
                metrics.EVENTS_PUBLISHED.labels(record["topic"], record.get("event_type", "")).inc()
            count += len(records)
            self.published += len(records)

    async def _forget(self, published: list) -> None:
        outbox = self._database[OUTBOX]
        await self._database.retrying(lambda: outbox.delete_many({"_id": {"$in": published}}))

    async def pending(self) -> int:
        return await self._database[OUTBOX].count_documents({})

    async def _hold_lease(self) -> bool:
        return await self._leases.hold(LEASE, LEASE_TTL)

    async def release_lease(self) -> None:
        await self._leases.release(LEASE)
