"""Kafka plumbing: producer factory, topic creation, and the consumer runner.

The consumer runner gives every service the same guarantees (ARCHITECTURE section 3):
offsets are committed only after the batch is handled; each event is handled in a MongoDB
transaction that also records ``(consumer, event id)``, so a redelivered event is skipped;
a record that cannot be handled goes to ``<topic>.dlq`` with the error and the consumer
keeps going; a handler that raises :class:`RetryLater` (a prerequisite event has not
arrived yet) is retried for a while before it is dead-lettered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from pymongo.errors import ConnectionFailure

from aiq_shared import metrics, topics
from aiq_shared.contracts import EventContract
from aiq_shared.envelope import (
    Envelope,
    InvalidEnvelope,
    current_actor,
    current_traceparent,
    from_kafka,
)
from aiq_shared.mongo import Database, Tx
from aiq_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

PROCESSED_EVENTS = "processed_events"
PROCESSED_EVENTS_TTL = timedelta(days=14)
TOPIC_ALREADY_EXISTS = 36

Handler = Callable[[EventContract, Envelope, Tx], Awaitable[None]]
Producer = AIOKafkaProducer


def handled_by(use_case: Callable[[Any, Tx], Awaitable[object]]) -> Handler:
    """A thin handler: the event (parsed by its contract) and the transaction go to a use case."""

    async def handle(event: Any, _envelope: Envelope, tx: Tx) -> None:
        await use_case(event, tx)

    return handle


class RetryLater(Exception):
    """Raised by a handler when something it needs has not arrived yet; the event is retried."""


def create_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_idempotence=settings.kafka_idempotence,
        acks="all",
        linger_ms=0,
        client_id=settings.service_name,
    )


async def ensure_topics(settings: ServiceSettings, names: tuple[str, ...] = topics.ALL) -> None:
    """Create the topics and their dead-letter topics with explicit partition counts."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id=settings.service_name
    )
    await admin.start()
    try:
        prefixed = [settings.kafka_topic_prefix + name for name in names]
        wanted = [*prefixed, *(topics.dead_letter(name) for name in prefixed)]
        response = await admin.create_topics(
            [
                NewTopic(name, settings.kafka_topic_partitions, settings.kafka_replication_factor)
                for name in wanted
            ]
        )
        for name, code, message in response.topic_errors:
            if code not in (0, TOPIC_ALREADY_EXISTS):
                raise KafkaError(f"cannot create topic {name}: {code} {message}")
    finally:
        await admin.close()


async def ensure_processed_events_index(database: Database) -> None:
    await database[PROCESSED_EVENTS].create_index(
        "handled_at", expireAfterSeconds=int(PROCESSED_EVENTS_TTL.total_seconds())
    )


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
        self._consumer: AIOKafkaConsumer | None = None
        self.started = asyncio.Event()

    def _new_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self.group_id,
            client_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=self._settings.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=self._settings.kafka_fetch_max_wait_ms,
        )

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
                    for records in batch.values():
                        for record in records:
                            await self._handle(record)
                    if batch:
                        await consumer.commit()
                    await self._update_lag(consumer)
            except asyncio.CancelledError:
                raise
            except KafkaError as error:
                log.warning("consumer.kafka_error", consumer=self.name, error=str(error))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                self.started.clear()
                self._consumer = None
                await _stop_quietly(consumer)

    async def lag(self) -> int | None:
        """Records behind the end of the assigned partitions, asked of the broker now (the
        admin API can't tell on tansu; the highwater the last fetch brought may be stale)."""
        consumer = self._consumer
        if consumer is None:
            return None
        partitions = list(consumer.assignment())
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

    async def _handle(self, record: ConsumerRecord) -> None:
        try:
            envelope = from_kafka(record.key, record.value, record.headers)
        except InvalidEnvelope as error:
            await self._dead_letter(record, str(error))
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            metrics.EVENTS_HANDLED.labels(self.name, envelope.type, "ignored").inc()
            return
        structlog.contextvars.bind_contextvars(
            event_id=envelope.id, event_type=envelope.type, traceparent=envelope.traceparent
        )
        token = current_traceparent.set(envelope.traceparent)
        actor = current_actor.set(envelope.actor)  # the effect is traced to who caused it
        try:
            await self._handle_envelope(record, envelope, handler)
        finally:
            current_actor.reset(actor)
            current_traceparent.reset(token)
            structlog.contextvars.unbind_contextvars("event_id", "event_type", "traceparent")

    async def _handle_envelope(
        self, record: ConsumerRecord, envelope: Envelope, handler: Handler
    ) -> None:
        try:
            event = envelope.contract()
        except InvalidEnvelope as error:
            await self._dead_letter(record, str(error))
            return
        deadline = time.monotonic() + self._settings.consumer_retry_later_s
        failures = 0
        delay = 0.05
        while True:
            try:
                handled = await self._database.transaction(
                    lambda tx: self._apply(tx, envelope, event, handler)
                )
                outcome = "handled" if handled else "duplicate"
                metrics.EVENTS_HANDLED.labels(self.name, envelope.type, outcome).inc()
                return
            except RetryLater as error:
                if time.monotonic() > deadline:
                    await self._dead_letter(record, f"gave up waiting: {error}")
                    return
                log.info("consumer.retry_later", consumer=self.name, reason=str(error))
            except asyncio.CancelledError:
                raise
            except ConnectionFailure as error:
                # MongoDB is away: the event is fine, so wait for the database, never dead-letter
                log.warning("consumer.database_unavailable", consumer=self.name, error=repr(error))
                deadline = time.monotonic() + self._settings.consumer_retry_later_s
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

    async def _apply(
        self, tx: Tx, envelope: Envelope, event: EventContract, handler: Handler
    ) -> bool:
        record_id = f"{self.name}:{envelope.id}"
        processed = self._database[PROCESSED_EVENTS]
        if await processed.find_one({"_id": record_id}, session=tx.session) is not None:
            return False
        await processed.insert_one(
            {
                "_id": record_id,
                "consumer": self.name,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "handled_at": datetime.now(UTC),
            },
            session=tx.session,
        )
        await handler(event, envelope, tx)
        return True

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        log.error("consumer.dead_letter", consumer=self.name, offset=record.offset, error=error)
        headers = [
            *list(record.headers),
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
