"""The shared plumbing on real servers: outbox, relay, idempotent consumer, dead letters."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiokafka import AIOKafkaConsumer
from prometheus_client import REGISTRY

from aiq_shared import topics
from aiq_shared.contracts.contacts import PersonCreatedV1, PersonUpdatedV1
from aiq_shared.envelope import Actor, current_actor, to_kafka, wrap
from aiq_shared.kafka import (
    EventConsumer,
    RetryLater,
    create_producer,
    ensure_processed_events_index,
    ensure_topics,
)
from aiq_shared.mongo import OUTBOX, Database, create_client
from aiq_shared.outbox import OutboxRelay
from aiq_shared.parking import PARKED
from aiq_shared.settings import ServiceSettings
from helpers import eventually

pytestmark = pytest.mark.integration


def person(person_id: str) -> PersonCreatedV1:
    return PersonCreatedV1(
        person_id=person_id,
        first_name="Anna",
        last_name="Schmidt",
        email=f"{person_id}@betrieb.example",
        district="Hörde",
        email_consent=True,
    )


class Handled(list):
    """The person ids handled, in order, the actor each handler saw and the transaction
    (its session) each was handled in."""

    def __init__(self) -> None:
        super().__init__()
        self.actors: dict[str, object] = {}
        self.sessions: dict[str, int] = {}


@pytest.fixture
async def plumbing(settings_for):
    settings = settings_for(ServiceSettings, "plumbing", service_name="plumbing")
    client = create_client(settings.mongo_url)
    database = Database(client, settings.mongo_db, "/aiq/test", settings.kafka_topic_prefix)
    await ensure_topics(settings)
    await ensure_processed_events_index(database)
    producer = create_producer(settings)
    await producer.start()
    handled = Handled()
    actors = handled.actors

    async def on_person(event, _envelope, tx):  # type: ignore[no-untyped-def]
        actors[event.person_id] = tx.actor  # events this handler emits would carry it on
        handled.sessions[event.person_id] = id(tx.session)
        if event.person_id.startswith("fail"):
            raise ValueError("this handler cannot take it")
        if event.person_id.startswith("wait-"):  # needs its school, which may not be here yet
            school = event.person_id.split("-")[1]
            if await database["schools"].find_one({"_id": school}, session=tx.session) is None:
                raise RetryLater(f"school {school} not known yet", waits_for=f"school:{school}")
        # one aggregate's events are told apart by their last name
        handled.append(event.person_id if event.person_id != "same" else event.last_name)
        await database["people_seen"].insert_one({"person_id": event.person_id}, session=tx.session)

    relay = OutboxRelay(database, producer, poll_interval_s=0.2)
    consumer = EventConsumer(
        name="test",
        topic=topics.CONTACTS,
        database=database,
        handlers={
            PersonCreatedV1.event_type: on_person,
            PersonUpdatedV1.event_type: on_person,
        },
        settings=settings,
        producer=producer,
    )
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    await eventually(consumer.started.is_set)
    try:
        yield settings, database, producer, handled
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await producer.stop()
        await client.drop_database(settings.mongo_db)
        await client.close()


async def test_event_written_with_its_change_is_published_and_handled(plumbing) -> None:
    settings, database, _, handled = plumbing

    async def create(tx):  # type: ignore[no-untyped-def]
        await database["people"].insert_one({"_id": "p1"}, session=tx.session)
        tx.emit(person("p1"))

    await database.transaction(create)
    await eventually(lambda: handled == ["p1"])
    assert await database[OUTBOX].count_documents({}) == 0  # published records are deleted


async def test_the_actor_travels_with_the_event_to_its_consumer(plumbing) -> None:
    _, database, _, handled = plumbing
    token = current_actor.set(Actor("m.schneider", "Maria Schneider"))
    try:

        async def create(tx):  # type: ignore[no-untyped-def]
            tx.emit(person("p-actor"))

        await database.transaction(create)
    finally:
        current_actor.reset(token)
    await eventually(lambda: "p-actor" in handled)
    assert handled.actors["p-actor"] == Actor("m.schneider", "Maria Schneider")


async def test_a_failed_transaction_writes_neither_state_nor_event(plumbing) -> None:
    _, database, _, handled = plumbing

    async def broken(tx):  # type: ignore[no-untyped-def]
        await database["people"].insert_one({"_id": "p2"}, session=tx.session)
        tx.emit(person("p2"))
        raise RuntimeError("validation failed half-way")

    with pytest.raises(RuntimeError):
        await database.transaction(broken)
    assert await database["people"].count_documents({"_id": "p2"}) == 0
    assert await database[OUTBOX].count_documents({}) == 0


async def test_the_same_event_delivered_twice_is_handled_once(plumbing) -> None:
    """The duplicate and a sentinel share the original's key, so they are in the same partition,
    after it: when the sentinel has been handled, the duplicate was read before it."""
    settings, database, producer, handled = plumbing
    original = person("same").model_copy(update={"last_name": "Original"})
    record = to_kafka(wrap(original, source="/aiq/contacts"))
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    before = _handled_metric("plumbing.test", "duplicate")
    for _ in range(2):
        await producer.send_and_wait(topic, record.value, key=record.key, headers=record.headers)
    sentinel = to_kafka(wrap(original.model_copy(update={"last_name": "Sentinel"}), source="/x"))
    assert sentinel.key == record.key
    await producer.send_and_wait(topic, *_value_key_headers(sentinel))
    await eventually(lambda: "Sentinel" in handled)
    assert [h for h in handled if h in ("Original", "Sentinel")] == ["Original", "Sentinel"]
    assert _handled_metric("plumbing.test", "duplicate") == before + 1  # read, and skipped
    assert await database["people_seen"].count_documents({"person_id": "same"}) == 2


def _handled_metric(consumer: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "aiq_events_handled_total",
        {"consumer": consumer, "type": PersonCreatedV1.event_type, "outcome": outcome},
    )
    return value or 0.0


async def test_a_record_that_must_wait_is_parked_and_the_partition_goes_on(plumbing) -> None:
    settings, database, producer, handled = plumbing
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    waiting = [person("wait-s1-a"), person("wait-s1-b")]
    for event in (*waiting, person("next-1")):
        record = to_kafka(wrap(event, source="/aiq/contacts"))
        await producer.send_and_wait(topic, record.value, key=b"same-key", headers=record.headers)
    await eventually(lambda: "next-1" in handled, timeout=5)  # not held up behind the others
    assert "wait-s1-a" not in handled
    assert await database[PARKED].count_documents({}) == 2
    await database["schools"].insert_one({"_id": "s1"})  # what they waited for arrives
    await eventually(lambda: "wait-s1-b" in handled, timeout=10)
    assert [h for h in handled if h.startswith("wait-")] == ["wait-s1-a", "wait-s1-b"]

    async def none_parked() -> bool:  # a parked record is forgotten just after its handling
        return await database[PARKED].count_documents({}) == 0

    await eventually(none_parked, timeout=10)


async def test_an_event_of_an_unknown_version_is_dead_lettered_not_dropped(plumbing) -> None:
    settings, _, producer, handled = plumbing
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    record = to_kafka(wrap(person("p-v9"), source="/aiq/contacts"))
    headers = [
        (name, b"aiq.person.created.v9" if name == "ce_type" else raw)
        for name, raw in record.headers
    ]
    await producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
    await producer.send_and_wait(
        topic, *_value_key_headers(to_kafka(wrap(person("p-after-v9"), source="/x")))
    )
    await eventually(lambda: "p-after-v9" in handled)
    [dead] = await _dead_letters(settings, topic, 1, lambda r: b"p-v9" in r.value)
    assert "aiq.person.created.v9" in dict(dead.headers)["dlq_error"].decode()


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_consumer_goes_on(
    plumbing,
) -> None:
    settings, _, producer, handled = plumbing
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    await producer.send_and_wait(topic, b"\x00 not a cloud event", key=b"x")
    await producer.send_and_wait(
        topic, *_value_key_headers(to_kafka(wrap(person("fail-1"), source="/aiq/contacts")))
    )
    await producer.send_and_wait(
        topic, *_value_key_headers(to_kafka(wrap(person("p5"), source="/aiq/contacts")))
    )
    await eventually(lambda: "p5" in handled)

    records = await _dead_letters(settings, topic, 2)
    errors = sorted(dict(r.headers)["dlq_error"].decode() for r in records)
    assert "no ce_id/ce_type headers" in errors[1] or "no ce_id/ce_type headers" in errors[0]
    assert any("cannot take it" in e for e in errors)
    assert {r.value for r in records} >= {b"\x00 not a cloud event"}


async def test_one_aggregates_events_arrive_in_the_order_they_were_written(plumbing) -> None:
    _, database, _, handled = plumbing
    ids = [f"order-{i:02d}" for i in range(30)]
    for change in ids:

        async def create(tx, change=change):  # type: ignore[no-untyped-def]
            tx.emit(person("same").model_copy(update={"last_name": change}))

        await database.transaction(create)
    await eventually(lambda: len([h for h in handled if h.startswith("order-")]) == 30)
    assert [h for h in handled if h.startswith("order-")] == ids


async def _send_at_once(settings, producer, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    """One produce request (so one fetch), one partition; each in the name of its officer."""
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    sent = []
    for i, name in enumerate(names):
        actor = Actor(f"officer-{i}", f"Officer {i}")
        record = to_kafka(wrap(person(name), source="/aiq/contacts", actor=actor))
        sent.append(await producer.send(topic, record.value, key=b"run", headers=record.headers))
    await producer.flush()
    await asyncio.gather(*sent)


async def test_records_read_together_are_handled_together_each_in_its_own_name(
    plumbing,
) -> None:
    """Records of one partition fetched at once share a transaction, each handled in the name
    of its own actor; a run with one that fails is handled again record by record: that one
    is dead-lettered alone, the others are handled once."""
    settings, database, producer, handled = plumbing
    await _send_at_once(settings, producer, ["run-1", "run-2", "run-3"])
    await eventually(lambda: "run-3" in handled, timeout=15)
    assert len({handled.sessions[name] for name in ("run-1", "run-2", "run-3")}) == 1
    actors = [handled.actors[name] for name in ("run-1", "run-2", "run-3")]
    assert [actor.subject for actor in actors] == ["officer-0", "officer-1", "officer-2"]  # type: ignore[attr-defined]

    await _send_at_once(settings, producer, ["split-1", "fail-run", "split-2"])
    await eventually(lambda: "split-2" in handled, timeout=15)
    assert handled.sessions["split-1"] != handled.sessions["split-2"]  # each in its own
    for name in ("run-1", "run-2", "run-3", "split-1", "split-2"):
        assert await database["people_seen"].count_documents({"person_id": name}) == 1
    topic = settings.kafka_topic_prefix + topics.CONTACTS
    [dead] = await _dead_letters(settings, topic, 1, lambda r: b"fail-run" in r.value)
    assert "cannot take it" in dict(dead.headers)["dlq_error"].decode()


async def _dead_letters(settings, topic: str, count: int, wanted=lambda _record: True):  # type: ignore[no-untyped-def]
    dead = AIOKafkaConsumer(
        topics.dead_letter(topic),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await dead.start()
    try:
        records = []
        async with asyncio.timeout(20):
            while len(records) < count:
                batch = await dead.getmany(timeout_ms=500)
                records += [r for rs in batch.values() for r in rs if wanted(r)]
        return records
    finally:
        await dead.stop()


def _value_key_headers(record):  # type: ignore[no-untyped-def]
    return record.value, record.key, None, None, record.headers
