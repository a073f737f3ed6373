"""Helpers for the events integration tests (no tests here): the events service alone, contacts
events put on the real broker as the contacts service would, waiting for the read model, the RSVP
form, and meeting dates computed from today."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager

from aiq_events.app import create_app
from aiq_events.settings import EventsSettings
from aiq_shared import topics
from aiq_shared.clock import SYSTEM_CLOCK, Clock, FrozenClock
from aiq_shared.contracts import EventContract
from aiq_shared.contracts.contacts import PersonCreatedV1
from aiq_shared.envelope import to_kafka, wrap
from helpers import eventually, service_client

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")  # fmt: skip


def german_day(value: datetime) -> str:
    local_time = value.astimezone(BERLIN)
    weekday, month = WEEKDAYS[local_time.weekday()], MONTHS[local_time.month - 1]
    return f"{weekday}, {local_time.day}. {month} {local_time.year}"


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


# -- the events service alone (people arrive on aiq.contacts as contacts would send them) -----


@contextlib.asynccontextmanager
async def events_alone(settings_for, clock: Clock = SYSTEM_CLOCK, **overrides):
    """The events service in-process, reading the time from ``clock``; ``system.registrations``
    is its RegistrationsService, ``system.app`` the app."""
    overrides.setdefault("offer_check_interval_s", 3600)
    settings = settings_for(EventsSettings, "events", **overrides)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        async with service_client(manager.app, settings, "events") as client:
            await eventually(lambda: _ready(client), timeout=60)
            yield SimpleNamespace(
                events=client,
                registrations=app.state.registrations,
                clock=clock,
                settings={"events": settings},
                app=app,
            )


def events_fixture(*, frozen: bool = False, **overrides):
    """A test module's ``events`` fixture: ``events = events_fixture()``. ``frozen``: the
    service's clock stands still at the test's start until the test moves it
    (``system.clock.advance(...)``)."""

    @pytest.fixture
    async def events(settings_for):
        clock = FrozenClock(datetime.now(UTC)) if frozen else SYSTEM_CLOCK
        async with events_alone(settings_for, clock, **overrides) as system:
            yield system

    return events


async def _ready(client) -> bool:
    return (await client.get("/ready")).status_code == 200


async def people(system, *names: str, kind: str = "contact", **fields) -> list[str]:
    """People in Hombruch (with invitation consent unless ``fields`` say otherwise), published
    on aiq.contacts; their ids."""
    ids = [f"{abs(hash((n, kind))) % 10**20:024d}"[:24] for n in names]
    await publish_contacts_events(
        system,
        *(
            PersonCreatedV1.model_validate(
                {
                    "person_id": pid,
                    "first_name": name,
                    "last_name": "Beispiel",
                    "email": f"{name.lower()}@betrieb.example",
                    "district": "Hombruch",
                    "email_consent": True,
                    "kind": kind,
                    **fields,
                }
            )
            for pid, name in zip(ids, names, strict=True)
        ),
    )
    return ids


async def links(system, meeting_id: str, count: int) -> dict[str, str]:
    """Publish the meeting once ``count`` people would be invited: their personal links."""

    async def probe():
        preview = (
            await system.events.post(f"/events/{meeting_id}/invitations/preview", json={})
        ).json()
        return preview["eligible"] >= count

    await eventually(probe, timeout=30)
    published = await system.events.post(f"/events/{meeting_id}/publish")
    assert published.status_code == 200, published.text
    listed = await all_pages(system.events, f"/events/{meeting_id}/invitations")
    return {i["person_id"]: i["rsvp_url"] for i in listed}
