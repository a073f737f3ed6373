"""What every service runs around its routes: one composition shape for all three.

:class:`ServiceRuntime` owns the MongoDB client, the Kafka producer, the outbox relay, the
consumers and any extra background workers. The HTTP app starts at once (``/health`` answers);
a background task waits for MongoDB and Kafka, creates indexes and topics, then starts the
relay and consumers; ``/ready`` says when that is done. Shutdown stops consumers (offsets are
committed only for handled records), drains the relay, then closes connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping

import structlog
from pymongo.errors import PyMongoError

from aiq_shared import audit_log, idempotency, metrics
from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.kafka import (
    EventConsumer,
    Handler,
    KafkaError,
    Producer,
    create_producer,
    ensure_processed_events_index,
    ensure_topics,
)
from aiq_shared.leases import Leases, process_owner
from aiq_shared.mongo import OUTBOX, Database, create_client
from aiq_shared.outbox import OutboxRelay, ensure_outbox_indexes
from aiq_shared.parking import ParkedEvents
from aiq_shared.ratelimit import PublicPageLimit
from aiq_shared.retry import until_it_works
from aiq_shared.settings import ServiceSettings
from aiq_shared.workers import Tick, Worker, supervise

log = structlog.get_logger(__name__)


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, clock: Clock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        self.clock = clock
        self.client = create_client(settings.mongo_url)
        self.database = Database(
            self.client,
            settings.mongo_db,
            source=f"/aiq/{settings.service_name}",
            topic_prefix=settings.kafka_topic_prefix,
        )
        # aiokafka clients must be made inside the running loop: see _bring_up.
        self.producer: Producer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []
        self._consumer_specs: dict[str, tuple[str, dict[str, Handler]]] = {}
        self._workers: list[Worker] = []
        self.audit_log = audit_log.AuditLog(self.database, settings.audit_retention_days)
        self.public_page_limit = PublicPageLimit()
        self._index_setups: list[Callable[[Database], Awaitable[None]]] = [
            ensure_processed_events_index,
            idempotency.ensure_index,
            lambda _database: self.audit_log.ensure_indexes(),
            lambda database: ParkedEvents(database).ensure_indexes(),
            lambda database: ensure_outbox_indexes(database, settings.outbox_keep_published_s),
        ]
        self._tasks: list[asyncio.Task] = []
        self._reports: dict[str, Callable[[], Awaitable[object]]] = {}
        self._boot: asyncio.Task | None = None
        self.infrastructure_ready = asyncio.Event()

    # -- composition ---------------------------------------------------------------------
    def consume(self, name: str, topic: str, handlers: Mapping[str, Handler]) -> None:
        """Handle these event types of ``topic`` (one consumer group per topic and service:
        subjects that read the same topic add their handlers to the same consumer)."""
        known_name, known = self._consumer_specs.setdefault(topic, (name, {}))
        twice = set(known) & set(handlers)
        if twice:
            raise ValueError(f"{', '.join(sorted(twice))} handled twice on {topic}")
        known.update(handlers)

    def handle(self, topic: str, handlers: Mapping[str, Handler]) -> None:
        """:meth:`consume`, the consumer named after the topic (``aiq.contacts``: contacts)."""
        self.consume(topic.removeprefix("aiq."), topic, handlers)

    def every(
        self,
        name: str,
        tick: Tick,
        *,
        every_s: float,
        wake: asyncio.Event | None = None,
        leased: bool = False,
    ) -> Worker:
        """Background work (aiq_shared.workers), started once MongoDB and Kafka are there:
        ``tick`` runs again at once when it returns True, else on ``wake`` or after
        ``every_s``; ``leased``: one replica at a time."""
        worker = Worker(name=name, tick=tick, every_s=every_s, wake=wake, leased=leased)
        self._workers.append(worker)
        return worker

    def report(self, name: str, probe: Callable[[], Awaitable[object]]) -> None:
        """An extra figure in ``/ready`` (e.g. emails waiting to be sent); not a readiness
        condition, a reading for operators and tests."""
        self._reports[name] = probe

    def indexes(self, setup: Callable[[Database], Awaitable[None]]) -> None:
        self._index_setups.append(setup)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        self._boot = asyncio.create_task(self._bring_up(), name="boot")

    async def _bring_up(self) -> None:
        async for attempt in until_it_works((PyMongoError, KafkaError, OSError)):
            with attempt:
                await self._connect()
        self.relay = OutboxRelay(
            self.database,
            self.producer,
            poll_interval_s=self.settings.outbox_poll_interval_s,
            after_kafka_trouble=lambda: ensure_topics(self.settings),
            verify_writes=self.settings.kafka_verify_writes,
            keep_published_s=self.settings.outbox_keep_published_s,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
        )
        self.consumers = [
            EventConsumer(
                name=name,
                topic=topic,
                database=self.database,
                handlers=handlers,
                settings=self.settings,
                producer=self.producer,
            )
            for topic, (name, handlers) in self._consumer_specs.items()
        ]
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        for consumer in self.consumers:
            self._tasks.append(asyncio.create_task(consumer.run(), name=consumer.name))
        leases = Leases(self.database, process_owner(self), self.clock)
        for worker in self._workers:
            self._tasks.append(asyncio.create_task(supervise(worker, leases), name=worker.name))
        self.infrastructure_ready.set()
        log.info("startup.ready", service=self.settings.service_name)

    async def _connect(self) -> None:
        try:
            await self.database.ping()
            for setup in self._index_setups:
                await setup(self.database)
            await ensure_topics(self.settings)
            self.producer = create_producer(self.settings)
            await self.producer.start()
        except (PyMongoError, KafkaError, OSError) as error:
            if self.producer is not None:
                with contextlib.suppress(Exception):
                    await self.producer.stop()
                self.producer = None
            log.warning("startup.waiting", error=repr(error))
            raise

    async def stop(self) -> None:
        if self._boot is not None and not self._boot.done():
            self._boot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._boot
        for task in reversed(self._tasks):  # workers and consumers first, the relay last
            if task.get_name() == "outbox-relay":
                continue
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.relay is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.relay.publish_pending(), timeout=5)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.relay is not None:
            await self.relay.release_lease()
            await self.relay.close()
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        await self.client.close()

    async def readiness(self) -> dict[str, object]:
        checks: dict[str, object] = {}
        try:
            await asyncio.wait_for(self.database.ping(), timeout=2)
            checks["mongodb"] = "ok"
        except (PyMongoError, TimeoutError) as error:
            checks["mongodb"] = f"unavailable: {type(error).__name__}"
        checks["kafka"] = "ok" if self.infrastructure_ready.is_set() else "starting"
        checks["consumers"] = {
            consumer.name: ("ok" if consumer.started.is_set() else "starting")
            for consumer in self.consumers
        }
        checks["consumer_lag"] = {
            consumer.name: await _within(consumer.lag(), 2.0) for consumer in self.consumers
        }
        checks["parked"] = {
            consumer.name: await _safe(consumer.parked()) for consumer in self.consumers
        }
        for name, waiting in checks["parked"].items():
            if waiting is not None:
                metrics.PARKED.labels(name).set(waiting)
        checks["outbox_pending"] = await _safe(
            self.database[OUTBOX].count_documents({"published_at": None})
        )
        for name, probe in self._reports.items():
            checks[name] = await _safe(probe())  # type: ignore[arg-type]
        return checks


async def _within(awaitable: Awaitable[int | None], seconds: float) -> int | None:
    """A reading that can't be had quickly (the broker is away) is None, not a stall."""
    try:
        return await asyncio.wait_for(awaitable, timeout=seconds)
    except TimeoutError:
        return None


async def _safe(awaitable: Awaitable[int]) -> int | None:
    try:
        return await awaitable
    except PyMongoError:
        return None


def is_ready(checks: dict[str, object]) -> bool:
    consumers = checks.get("consumers", {})
    return (
        checks.get("mongodb") == "ok"
        and checks.get("kafka") == "ok"
        and all(state == "ok" for state in consumers.values())  # type: ignore[union-attr]
    )
