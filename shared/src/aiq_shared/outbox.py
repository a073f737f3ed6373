"""The outbox relay: publishes what transactions wrote to the ``outbox`` collection, in order.

Woken right after a commit (``Database.outbox_written``), polling as a fallback; no change
streams (the embedded server has none). When several replicas run, a lease lets one relay
publish at a time so a meeting's events keep their order.

A published record is deleted, unless ``keep_published_s`` is set (the embedded broker: it
keeps nothing across a restart). Then it moves to ``outbox_published``, marked published, for
that long (apart, so that the outbox holds only what waits and finding it costs what waits,
not what was published in the last quarter of an hour), and the relay watches for a broker
that came back empty: after any Kafka trouble it creates the topics again before publishing
more, and reads back the last record it published; when that is gone, everything kept is
published again (consumers' dedupe records skip what they had).
With ``verify_writes`` every batch is read back before it counts as published, since a
broker that lost its topics may acknowledge writes it never shows; and while records are kept,
the last one published to each partition is looked for again every ``HELD_CHECK_S`` even
without trouble seen (a restart between two polls, a topic created again after our write), and a
write landing at or before an offset we wrote earlier tells a partition that became a new log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from opentelemetry import trace
from pymongo import ASCENDING, ReplaceOne
from pymongo.errors import PyMongoError

from aiq_shared import metrics, tracing
from aiq_shared.envelope import TRACEPARENT
from aiq_shared.leases import Leases, process_owner
from aiq_shared.mongo import OUTBOX, OUTBOX_PUBLISHED, Database

log = structlog.get_logger(__name__)

LEASE = "outbox-relay"
LEASE_TTL = timedelta(seconds=15)
BATCH = 200
PENDING: dict[str, Any] = {"published_at": None}
HELD_CHECK_S = 3.0


class NotHeld(KafkaError):
    """The broker acknowledged a write it does not show: it is published again."""


async def ensure_outbox_indexes(database: Database, keep_published_s: float) -> None:
    await database[OUTBOX].create_index([("published_at", ASCENDING), ("_id", ASCENDING)])
    if keep_published_s > 0:
        await database[OUTBOX_PUBLISHED].create_index(
            "published_at", name="published_ttl", expireAfterSeconds=int(keep_published_s)
        )


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        producer: AIOKafkaProducer,
        *,
        poll_interval_s: float = 1.0,
        after_kafka_trouble: Callable[[], Awaitable[None]] | None = None,
        verify_writes: bool = False,
        keep_published_s: float = 0.0,
        bootstrap_servers: str = "",
    ) -> None:
        self._database = database
        self._producer = producer
        self._poll_interval_s = poll_interval_s
        self._after_kafka_trouble = after_kafka_trouble  # e.g. create the topics again
        self._verify_writes = verify_writes
        self._keep_published_s = keep_published_s
        self._bootstrap_servers = bootstrap_servers
        self._leases = Leases(database, process_owner(self))
        self._reader: AIOKafkaConsumer | None = None
        self._broker_unsure = False
        # the last record we wrote to each partition: its offset and event id
        self._last_written: dict[TopicPartition, tuple[int, bytes | None]] = {}
        self._held_checked_at = 0.0
        self.published = 0

    async def run(self) -> None:
        """Publish until cancelled; Kafka or MongoDB trouble means wait and try again."""
        while True:
            try:
                await self.publish_pending()
                await self._check_still_held()
            except asyncio.CancelledError:
                raise
            except (KafkaError, PyMongoError, OSError) as error:
                log.warning("outbox.publish_failed", error=repr(error))
                if isinstance(error, KafkaError):
                    self._broker_unsure = True
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
            if self._broker_unsure:
                await self._after_trouble()  # raises while the broker is still away
            records = (
                await self._database[OUTBOX]
                .find(PENDING)
                .sort("_id", 1)
                .limit(BATCH)
                .to_list(BATCH)
            )
            metrics.OUTBOX_PENDING.set(len(records))
            if not records:
                return count
            sends = [await self._send(record) for record in records]
            written = await asyncio.gather(*sends)
            last = _last_per_partition(records, written)
            if self._verify_writes:
                for partition, (offset, ce_id) in last.items():
                    if not await self._holds(partition, offset, ce_id):
                        raise NotHeld(f"{partition.topic}[{partition.partition}] lacks {offset}")
            await self._forget(records)
            went_back = self._went_back(written)
            self._last_written.update(last)
            if went_back and self._keep_published_s > 0:
                await self._republish_kept()  # what we wrote there before this batch is gone
            for record in records:
                metrics.EVENTS_PUBLISHED.labels(record["topic"], record.get("event_type", "")).inc()
            count += len(records)
            self.published += len(records)
            if len(records) < BATCH:
                return count  # all there was; a commit meanwhile has set outbox_written

    async def _send(self, record: dict) -> asyncio.Future:
        headers = [(name, bytes(value)) for name, value in record["headers"]]
        stored = next((v.decode() for n, v in headers if n == TRACEPARENT), None)
        # published as a child of the trace the change was made in (the aiokafka
        # instrumentation's producer span then carries it on in the record's headers)
        with tracing.span(f"publish {record['topic']}", stored, trace.SpanKind.PRODUCER):
            return await self._producer.send(
                record["topic"],
                bytes(record["value"]),
                key=bytes(record["key"]) if record.get("key") is not None else None,
                headers=headers,
            )

    def _went_back(self, written: list) -> bool:
        """A write at or before an offset we wrote earlier: that partition is a new log."""
        for metadata in written:
            before = self._last_written.get(TopicPartition(metadata.topic, metadata.partition))
            if before is not None and metadata.offset <= before[0]:
                return True
        return False

    async def _all_held(self) -> bool:
        for partition, (offset, ce_id) in list(self._last_written.items()):
            if not await self._holds(partition, offset, ce_id):
                return False
        return True

    async def _check_still_held(self) -> None:
        """Every ``HELD_CHECK_S``, with records kept: is the last one written to each
        partition still there?"""
        if self._keep_published_s <= 0 or not self._last_written:
            return
        now = asyncio.get_running_loop().time()
        if now - self._held_checked_at < HELD_CHECK_S:
            return
        self._held_checked_at = now
        if not await self._all_held():
            await self._republish_kept()

    async def _republish_kept(self) -> None:
        """Everything kept goes back to the outbox, to be published again in its order."""
        kept = await self._database[OUTBOX_PUBLISHED].find({}).to_list(None)
        await self._move(kept, OUTBOX_PUBLISHED, OUTBOX, published_at=None)
        self._last_written.clear()  # the new logs' offsets start the count again
        log.warning("outbox.republishing", records=len(kept))
        self._database.outbox_written.set()

    async def _move(self, records: list[dict], source: str, target: str, **changes: Any) -> None:
        """Records from one collection into the other (written there first: a crash in
        between leaves them in both, which at worst publishes them once more)."""
        if not records:
            return
        into, out_of = self._database[target], self._database[source]
        writes = [ReplaceOne({"_id": r["_id"]}, {**r, **changes}, upsert=True) for r in records]
        await self._database.retrying(lambda: into.bulk_write(writes, ordered=False))
        ids = [r["_id"] for r in records]
        await self._database.retrying(lambda: out_of.delete_many({"_id": {"$in": ids}}))

    async def _after_trouble(self) -> None:
        """The broker may have come back empty: its topics first; and if a record we
        published last is gone, everything still kept is published again."""
        if self._after_kafka_trouble is not None:
            await self._after_kafka_trouble()
        if self._keep_published_s > 0 and not await self._all_held():
            await self._republish_kept()
        self._broker_unsure = False

    async def _holds(self, partition: TopicPartition, offset: int, ce_id: bytes | None) -> bool:
        """Whether the broker shows our record at ``offset`` of ``partition``."""
        if self._reader is None:
            self._reader = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers, group_id=None, enable_auto_commit=False
            )
            await self._reader.start()
        self._reader.assign([partition])
        self._reader.seek(partition, offset)
        batch = await self._reader.getmany(partition, timeout_ms=2000, max_records=1)
        found = batch.get(partition) or []
        return bool(found) and dict(found[0].headers).get("ce_id") == ce_id

    async def close(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader.stop()
            self._reader = None

    async def _forget(self, published: list[dict]) -> None:
        if self._keep_published_s > 0:
            now = datetime.now(UTC)
            await self._move(published, OUTBOX, OUTBOX_PUBLISHED, published_at=now)
            return
        outbox, ids = self._database[OUTBOX], [r["_id"] for r in published]
        await self._database.retrying(lambda: outbox.delete_many({"_id": {"$in": ids}}))

    async def pending(self) -> int:
        return await self._database[OUTBOX].count_documents(PENDING)

    async def _hold_lease(self) -> bool:
        return await self._leases.keep(LEASE, LEASE_TTL)

    async def release_lease(self) -> None:
        await self._leases.release(LEASE)


def _last_per_partition(
    records: list[dict], written: list
) -> dict[TopicPartition, tuple[int, bytes | None]]:
    last: dict[TopicPartition, tuple[int, bytes | None]] = {}
    for record, metadata in zip(records, written, strict=True):
        ce_id = next((bytes(v) for n, v in record["headers"] if n == "ce_id"), None)
        last[TopicPartition(metadata.topic, metadata.partition)] = (metadata.offset, ce_id)
    return last
