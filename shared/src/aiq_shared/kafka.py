"""Kafka plumbing: the producer, topic creation, the dedupe records' index; and, for
services, the names their consumers are made of (handlers, RetryLater, the runner itself in
aiq_shared.consumer)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from aiq_shared import topics
from aiq_shared.consumer import EventConsumer
from aiq_shared.handled_together import PROCESSED_EVENTS
from aiq_shared.handlers import Handler, RetryLater, handled_by
from aiq_shared.mongo import Database
from aiq_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

PROCESSED_EVENTS_TTL = timedelta(days=14)
TOPIC_ALREADY_EXISTS = 36

Producer = AIOKafkaProducer


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


__all__ = [
    "PROCESSED_EVENTS",
    "EventConsumer",
    "Handler",
    "KafkaError",
    "Producer",
    "RetryLater",
    "create_producer",
    "ensure_processed_events_index",
    "ensure_topics",
    "handled_by",
]
