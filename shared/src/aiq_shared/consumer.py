"""The consumer runner: the same guarantees for every service's consumers (ARCHITECTURE §3).

- Offsets are committed only after the batch is handled (or parked, or dead-lettered).
- Each event is handled in a MongoDB transaction that also records ``(consumer, event id)``
  in ``processed_events``: a redelivered event is skipped. Consecutive events of a partition
  share one transaction, up to ``CONSUMER_BATCH``; should any of them fail, they are handled
  again each in its own (``aiq_shared.handled_together``).
- A record that is no readable CloudEvent, has no known contract (an unknown type or a future
  version) or breaks its contract, or whose handler fails three times, goes to
  ``<topic>.dlq`` with the error; the consumer goes on at once. An event type the consumer
  has no handler for is ignored (its contract is known: it is meant for someone else).
- A handler that raises ``RetryLater`` has its record parked (aiq_shared.parking) and the
  consumer goes on at once; parked records are tried again, in order, before each new batch
  and every second, and dead-lettered after ``CONSUMER_RETRY_LATER_S``.
- MongoDB away: the record waits (never dead-lettered for that).
- The broker came back empty (the embedded one keeps nothing): a position past a partition's
  end is moved to its start, and the dedupe records do the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pymongo.errors import ConnectionFailure

from aiq_shared import metrics, topics
from aiq_shared.contracts import contract_for
from aiq_shared.envelope import InvalidEnvelope, from_kafka
from aiq_shared.handled_together import Ready, handle_one, handle_together, handling
from aiq_shared.handlers import Handler, RetryLater
from aiq_shared.mongo import Database
from aiq_shared.parking import ParkedEvents
from aiq_shared.positions import GuardedAssignment, LogPositions, PastTheEnd
from aiq_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

RETRY_PARKED_EVERY_S = 1.0


@dataclass(frozen=True)
class Record:
    """What the runner needs of a Kafka record (one read now, or one parked earlier)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    @classmethod
    def of(cls, record: Any) -> Record:
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            record.value,
            [(name, bytes(raw)) for name, raw in record.headers],
        )


class Parked(Exception):  # noqa: N818 - a signal
    """The record could not run yet and waits aside."""


class EventConsumer:
    """Consumes one topic for one service; thin handlers do the work inside a transaction."""

    def __init__(
        self,
        *,
        name: str,
        topic: str,
        database: Database,
        handlers: Mapping[str, Handler],
        settings: ServiceSettings,
        producer: AIOKafkaProducer,
    ) -> None:
        self.name = f"{settings.service_name}.{name}"
        self.topic = settings.kafka_topic_prefix + topic
        self.group_id = f"{settings.kafka_group_prefix}.{self.name}"
        self._database = database
        self._handlers = dict(handlers)
        self._settings = settings
        self._producer = producer
        self._parked = ParkedEvents(database)
        self._positions = LogPositions(database, self.name, settings.kafka_bootstrap_servers)
        self._parked_count: int | None = None  # None: not looked yet
        self._parked_tried_at = 0.0
        self._past_the_end = PastTheEnd(self._positions, self.name)
        self._consumer: AIOKafkaConsumer | None = None
        self.started = asyncio.Event()

    def _new_consumer(self) -> AIOKafkaConsumer:
        guard = GuardedAssignment(self._positions, self.name)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self.group_id,
            client_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=self._settings.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=self._settings.kafka_fetch_max_wait_ms,
        )
        consumer.subscribe([self.topic], listener=guard)
        guard.consumer = consumer
        return consumer

    async def run(self) -> None:
        """Consume until cancelled; reconnects when the broker goes away."""
        backoff = 0.5
        while True:
            consumer = self._new_consumer()
            try:
                await consumer.start()
                self._consumer = consumer
                self.started.set()
                backoff = 0.5
                while True:
                    batch = await consumer.getmany(timeout_ms=500, max_records=200)
                    await self._retry_parked(force=bool(batch))
                    for records in batch.values():
                        await self._handle_partition([Record.of(r) for r in records])
                    if batch:
                        await self._positions.remember(batch)
                        await consumer.commit()
                    await self._past_the_end.check(consumer)
                    await self._update_lag(consumer)
            except asyncio.CancelledError:
                raise
            except KafkaError as error:
                log.warning("consumer.kafka_error", consumer=self.name, error=str(error))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            except Exception as error:  # never die of it: a new consumer, after a pause
                log.exception("consumer.failed", consumer=self.name, error=repr(error))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                self.started.clear()
                self._consumer = None
                await _stop_quietly(consumer)

    # -- lag -----------------------------------------------------------------------------
    async def lag(self) -> int | None:
        """Records behind the end of the assigned partitions, asked of the broker now (the
        admin API can't tell on tansu; the highwater the last fetch brought may be stale)."""
        consumer = self._consumer
        if consumer is None:
            return None
        partitions: list[TopicPartition] = list(consumer.assignment())
        if not partitions:
            return 0
        try:
            ends = await consumer.end_offsets(partitions)
            total = 0
            for partition in partitions:
                total += max(ends[partition] - await consumer.position(partition), 0)
        except KafkaError:
            return None
        metrics.CONSUMER_LAG.labels(self.name).set(total)
        return total

    async def parked(self) -> int:
        return await self._parked.count(self.name)

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> int:
        total = 0
        for partition in consumer.assignment():
            high = consumer.highwater(partition)
            if high is None:
                continue
            try:
                position = await consumer.position(partition)
            except KafkaError:
                continue
            total += max(high - position, 0)
        metrics.CONSUMER_LAG.labels(self.name).set(total)
        return total

    # -- handling ------------------------------------------------------------------------
    async def _handle_partition(self, records: list[Record]) -> None:
        """In order: runs of up to ``CONSUMER_BATCH`` ready records together. The others
        are dealt with as they are read (dead-lettered, or ignored: events for someone
        else), which touches no state a handler reads."""
        run: list[tuple[Record, Ready]] = []
        for record in records:
            ready = await self._ready(record)
            if ready is not None:
                run.append((record, ready))
            if len(run) >= self._settings.consumer_batch:
                await self._handle_run(run)
                run = []
        await self._handle_run(run)

    async def _handle_run(self, run: list[tuple[Record, Ready]]) -> None:
        if len(run) > 1:
            try:
                handled = await self._database.transaction(
                    lambda tx: handle_together(
                        self._database, self.name, [ready for _, ready in run], tx
                    )
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # one of them failed: each again in its own
                log.info(
                    "consumer.run_split", consumer=self.name, records=len(run), error=repr(error)
                )
            else:
                for (_, ready), done in zip(run, handled, strict=True):
                    outcome = "handled" if done else "duplicate"
                    metrics.EVENTS_HANDLED.labels(self.name, ready.envelope.type, outcome).inc()
                return
        for record, ready in run:
            await self._handle_ready(record, ready, None)

    async def _handle(self, record: Record, *, parked_id: str | None = None) -> None:
        ready = await self._ready(record)
        if ready is not None:
            await self._handle_ready(record, ready, parked_id)

    async def _ready(self, record: Record) -> Ready | None:
        """The record as an event with its handler (None: dead-lettered, or not ours)."""
        try:
            envelope = from_kafka(record.key, record.value, record.headers)
            if contract_for(envelope.type) is None:
                raise InvalidEnvelope(f"no contract for event type {envelope.type!r}")
            handler = self._handlers.get(envelope.type)
            if handler is None:
                metrics.EVENTS_HANDLED.labels(self.name, envelope.type, "ignored").inc()
                return None
            return Ready(record.topic, envelope, envelope.contract(), handler)
        except InvalidEnvelope as error:
            await self._dead_letter(record, str(error))
            return None

    async def _handle_ready(self, record: Record, ready: Ready, parked_id: str | None) -> None:
        """The event in its own transaction: retried a little, then dead-lettered; parked
        when it can't run yet; waiting while the database is away."""
        failures = 0
        delay = 0.05
        with handling(ready.envelope, record.topic):
            while True:
                try:
                    handled = await self._database.transaction(
                        lambda tx: handle_one(self._database, self.name, ready, tx)
                    )
                    outcome = "handled" if handled else "duplicate"
                    metrics.EVENTS_HANDLED.labels(self.name, ready.envelope.type, outcome).inc()
                    return
                except RetryLater as error:
                    if parked_id is not None:
                        raise Parked(str(error)) from error  # still waiting: stays parked
                    await self._park(record, error)
                    return
                except asyncio.CancelledError:
                    raise
                except ConnectionFailure as error:
                    # MongoDB is away: the event is fine; wait for the database, never DLQ
                    log.warning(
                        "consumer.database_unavailable", consumer=self.name, error=repr(error)
                    )
                    await asyncio.sleep(1.0)
                    continue
                except Exception as error:  # a handler bug or bad data: retry a little, then DLQ
                    failures += 1
                    log.warning(
                        "consumer.handler_failed",
                        consumer=self.name,
                        error=repr(error),
                        attempt=failures,
                    )
                    if failures >= 3:
                        await self._dead_letter(record, repr(error))
                        return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    # -- parking -------------------------------------------------------------------------
    async def _park(self, record: Record, error: RetryLater) -> None:
        waits_for = error.waits_for or f"key:{(record.key or b'').decode(errors='replace')}"
        log.info("consumer.parked", consumer=self.name, waits_for=waits_for, reason=str(error))
        await self._parked.park(
            consumer=self.name,
            waits_for=waits_for,
            reason=str(error),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=record.headers,
            at=datetime.now(UTC),
        )
        metrics.EVENTS_HANDLED.labels(self.name, "", "parked").inc()
        self._parked_count = (self._parked_count or 0) + 1

    async def _retry_parked(self, *, force: bool = False) -> None:
        """Try the parked records again: before each new batch (what they wait for may have
        come meanwhile, and they go first), and every second while idle."""
        if self._parked_count == 0:
            return
        now = time.monotonic()
        if not force and now - self._parked_tried_at < RETRY_PARKED_EVERY_S:
            return
        self._parked_tried_at = now
        held_back: set[str] = set()
        waiting = await self._parked.waiting(self.name)
        for document in waiting:
            if document["waits_for"] in held_back:
                continue  # behind one that still waits for the same thing
            record = Record(
                document["topic"],
                document["partition"],
                document["offset"],
                document["key"],
                document["value"],
                [(name, bytes(raw)) for name, raw in document["headers"]],
            )
            age = (datetime.now(UTC) - document["parked_at"]).total_seconds()
            try:
                await self._handle(record, parked_id=document["_id"])
            except Parked as still:
                if age > self._settings.consumer_retry_later_s:
                    await self._dead_letter(record, f"gave up waiting: {still}")
                else:
                    held_back.add(document["waits_for"])
                    continue
            await self._parked.release(document["_id"])
        self._parked_count = await self._parked.count(self.name)

    # -- dead letters --------------------------------------------------------------------
    async def _dead_letter(self, record: Record, error: str) -> None:
        log.error("consumer.dead_letter", consumer=self.name, offset=record.offset, error=error)
        headers = [
            *[(name, raw) for name, raw in record.headers if not name.startswith("dlq_")],
            ("dlq_error", error[:2000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        await self._producer.send_and_wait(
            topics.dead_letter(record.topic), record.value, key=record.key, headers=headers
        )
        metrics.EVENTS_DEAD_LETTERED.labels(self.name).inc()


async def _stop_quietly(consumer: AIOKafkaConsumer) -> None:
    try:
        await consumer.stop()
    except Exception as error:
        log.warning("consumer.stop_failed", error=repr(error))
