"""With published records kept (the embedded broker), a record the broker loses after it
was acknowledged and read back is published again, without any Kafka error to tell: the
relay looks for the last record it published every few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from test_plumbing import person

from aiq_shared import topics
from aiq_shared.kafka import create_producer, ensure_topics
from aiq_shared.mongo import OUTBOX, OUTBOX_PUBLISHED, Database, create_client
from aiq_shared.outbox import OutboxRelay
from aiq_shared.settings import ServiceSettings
from helpers import eventually

pytestmark = pytest.mark.integration


async def person_ids_in(bootstrap: str, topic: str) -> list[str]:
    """Every record the topic holds now, from its start to its end."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await reader.start()
    try:
        await reader.topics()  # fresh metadata
        numbers = reader.partitions_for_topic(topic) or ()
        partitions = [TopicPartition(topic, number) for number in numbers]
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        ends = await reader.end_offsets(partitions)
        found: list[str] = []
        for partition in partitions:
            while await reader.position(partition) < ends[partition]:
                batch = await reader.getmany(partition, timeout_ms=1000)
                if not batch:
                    break
                found += [json.loads(r.value)["person_id"] for r in batch.get(partition, [])]
        return found
    finally:
        await reader.stop()


async def empty_the_topic(settings: ServiceSettings, topic: str) -> None:
    """The topic goes and comes back empty, while the relay sees no Kafka error at all."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    await ensure_topics(settings)


@pytest.fixture
async def kept(settings_for):
    settings = settings_for(ServiceSettings, "kept", service_name="kept")
    client = create_client(settings.mongo_url)
    database = Database(client, settings.mongo_db, "/aiq/test", settings.kafka_topic_prefix)
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    await ensure_topics(settings)
    producer = create_producer(settings)
    await producer.start()
    relay = OutboxRelay(
        database,
        producer,
        poll_interval_s=0.2,
        verify_writes=True,
        keep_published_s=600,
        bootstrap_servers=settings.kafka_bootstrap_servers,
    )
    task = asyncio.create_task(relay.run())

    async def emit(person_id: str) -> None:
        await database.transaction(lambda tx: _emit(tx, person_id))

    try:
        yield settings, database, relay, topic, emit
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await relay.close()
        await producer.stop()
        await client.drop_database(settings.mongo_db)
        await client.close()


async def _emit(tx, person_id: str) -> None:  # type: ignore[no-untyped-def]
    tx.emit(person(person_id))


async def test_a_record_lost_after_its_acknowledgement_is_published_again(kept) -> None:
    settings, database, relay, topic, emit = kept
    bootstrap = settings.kafka_bootstrap_servers
    await emit("p-kept")
    await eventually(lambda: relay.published == 1, timeout=20)
    assert "p-kept" in await person_ids_in(bootstrap, topic)
    assert await database[OUTBOX].find_one({}) is None  # the outbox holds what waits
    record = await database[OUTBOX_PUBLISHED].find_one({})
    assert record is not None and record["published_at"] is not None  # kept, marked published

    await empty_the_topic(settings, topic)

    async def published_again() -> bool:
        return relay.published == 2 and "p-kept" in await person_ids_in(bootstrap, topic)

    await eventually(published_again, timeout=30)


async def test_a_write_at_an_earlier_offset_means_a_new_log_and_what_it_lacks_is_published_again(
    kept,
) -> None:
    settings, _, relay, topic, emit = kept
    bootstrap = settings.kafka_bootstrap_servers
    await emit("p-first")
    await emit("p-second")
    await eventually(lambda: relay.published == 2, timeout=20)
    await empty_the_topic(settings, topic)
    await emit("p-third")  # at once: the last record published is then held, the others not

    async def all_there() -> bool:
        found = await person_ids_in(bootstrap, topic)
        return {"p-first", "p-second", "p-third"} <= set(found)

    await eventually(all_there, timeout=30)
