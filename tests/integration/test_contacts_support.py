"""Helpers for the contacts tests (no tests here): read aiq.contacts, publish other topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from aiq_shared import topics
from aiq_shared.contracts import EventContract
from aiq_shared.contracts.meetings import MeetingSummary, Venue
from aiq_shared.contracts.registrations import RegistrationSnapshot
from aiq_shared.envelope import Envelope, from_kafka, to_kafka, wrap


async def events_on_contacts(  # type: ignore[no-untyped-def]
    system, until_type: str, count: int = 1, timeout_s: float = 45
) -> list[Envelope]:
    """Every event on this test's aiq.contacts, once ``count`` of ``until_type`` have come
    (and the topic has been quiet for half a second)."""
    settings = system.settings["contacts"]
    consumer = AIOKafkaConsumer(
        settings.kafka_topic_prefix + topics.CONTACTS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: list[Envelope] = []
    try:
        waited = 0.0
        while True:
            batch = await consumer.getmany(timeout_ms=500)
            seen += [from_kafka(r.key, r.value, r.headers) for rs in batch.values() for r in rs]
            if not batch:
                waited += 0.5
                if sum(e.type == until_type for e in seen) >= count:
                    return seen
                assert waited < timeout_s, f"no {until_type} in {[e.type for e in seen]}"
    finally:
        await consumer.stop()


async def publish(system, event: EventContract, source: str = "/aiq/test") -> None:  # type: ignore[no-untyped-def]
    """Publish ``event`` on its topic as another service would (same envelope)."""
    settings = system.settings["contacts"]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        record = to_kafka(wrap(event, source=source))
        await producer.send_and_wait(
            settings.kafka_topic_prefix + event.topic,
            record.value,
            key=record.key,
            headers=record.headers,
        )
    finally:
        await producer.stop()


STARTS = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
MEETING = MeetingSummary(
    meeting_id="m1",
    title="Netzwerktreffen Winter",
    starts_at=STARTS,
    ends_at=STARTS + timedelta(hours=3),
    venue=Venue(name="Café Durchblick"),
)


def registration[R: RegistrationSnapshot](kind: type[R], registration_id: str, person: dict) -> R:
    """A registration event of the events service about ``person`` at ``MEETING``."""
    return kind(
        registration_id=registration_id,
        meeting=MEETING,
        person_id=person["id"],
        display_name=f"{person['first_name']} {person['last_name']}",
        district=person["district"],
        organisation_id=person["organisation_id"],
        topic_table_ids=["t1"],
        status="confirmed",
    )
