"""Helpers for the events integration tests (no tests here): contacts events put on the real
broker as the contacts service would, waiting for the read model, and the RSVP form."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiokafka import AIOKafkaProducer

from aiq_shared import topics
from aiq_shared.contracts import EventContract
from aiq_shared.envelope import to_kafka, wrap
from helpers import eventually


async def publish_contacts_events(system, *events: EventContract) -> None:
    """What the contacts service publishes on aiq.contacts (segments, erasures, ...), sent the
    same way: CloudEvents in Kafka binary mode, on the real broker."""
    settings = system.settings["events"]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            record = to_kafka(wrap(event, source="/aiq/contacts"))
            await producer.send_and_wait(
                settings.kafka_topic_prefix + topics.CONTACTS,
                record.value,
                key=record.key,
                headers=list(record.headers),
            )
    finally:
        await producer.stop()


async def caught_up(system) -> bool:
    """Contacts has published everything and the events service has read all of it."""
    contacts = (await system.contacts.get("/ready")).json()["checks"]
    events = (await system.events.get("/ready")).json()["checks"]
    return contacts["outbox_pending"] == 0 and events["consumer_lag"].get("events.contacts") == 0


async def events_published(system) -> bool:
    return (await system.events.get("/ready")).json()["checks"]["outbox_pending"] == 0


async def wait_for_read_model(system, meeting_id: str, eligible: int, **target) -> dict:
    async def probe():
        preview = await system.events.post(
            f"/events/{meeting_id}/invitations/preview",
            json={"target": target} if target else {},  # none: the meeting's districts
        )
        body = preview.json()
        return body if body["eligible"] == eligible else None

    return await eventually(probe, timeout=60)


async def all_pages(client, path: str, **params) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 20, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(path, params=query)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def path_of(url: str) -> str:
    return urlsplit(url).path


async def rsvp(system, url: str, action: str = "register", tables: list[str] = (), **fields):
    """Post the RSVP form as a browser would."""
    data = {"action": action, "table": list(tables), **fields}
    return await system.events.post(path_of(url), data=data)


def message_of(html: str) -> str:
    found = re.search(r'<div class="message[^"]*" role="\w+"><p>(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


async def events_on(system, topic: str, meeting_id: str) -> list:
    """Every envelope on ``topic`` keyed by ``meeting_id``, in partition order (read from the
    start without a consumer group)."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    from aiq_shared.envelope import from_kafka

    settings = system.settings["events"]
    name = settings.kafka_topic_prefix + topic
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await consumer.start()
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or []]
        if not partitions:
            await consumer.topics()
            partitions = [
                TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or []
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    if record.key and record.key.decode() == meeting_id:
                        found.append(from_kafka(record.key, record.value, record.headers))
            await asyncio.sleep(0)
        return found
    finally:
        await consumer.stop()


async def new_organisation(system, name: str, district: str, industry: str | None = None) -> dict:
    body = {"name": name, "district": district, "industry": industry}
    return (await system.contacts.post("/organisations", json=body)).json()


async def new_person(
    system,
    first: str,
    last: str,
    *,
    email: str | None = None,
    organisation_id: str | None = None,
    consent: bool = False,
    district: str | None = None,
) -> dict:
    """A person created in contacts (their district defaults to the organisation's)."""
    body = {
        "first_name": first,
        "last_name": last,
        "email": email,
        "organisation_id": organisation_id,
        "email_consent": consent,
        "district": district,
    }
    answer = await system.contacts.post("/people", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()
