"""DSGVO on the notifications side, on real servers: the double opt-in email and its link;
an erasure leaves no address or name in the notifications database. (The test plays the
contacts service's part by putting its events on Kafka.)"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from aiokafka import AIOKafkaConsumer
from pymongo import AsyncMongoClient

from aiq_shared import topics
from aiq_shared.contracts.contacts import DoubleOptInRequestedV1, PersonErasedV1
from aiq_shared.envelope import from_kafka
from helpers import (
    create_person,
    deliveries,
    eventually,
    local,
    mail_to,
    publish,
    recipient_known,
    upcoming,
)

pytestmark = pytest.mark.integration


async def test_double_opt_in_email_link_confirms_through_an_event(system) -> None:
    settings = system.settings["notifications"]
    request = DoubleOptInRequestedV1(
        request_id="doi-1",
        person_id="p-doi",
        email="neu@betrieb.example",
        first_name="Nora",
        last_name="Neu",
        district="Eving",
        purpose="invitations",
        text_version="2026-11",
        requested_at=datetime.now(UTC),
    )
    await publish(settings, request, times=2, source="/aiq/contacts")  # and a redelivery
    await eventually(lambda: mail_to(system, "neu@betrieb.example"))
    [message] = mail_to(system, "neu@betrieb.example")
    assert message["Subject"] == "Bitte bestätigen: E-Mails von Ausbildung im Quartier"
    assert message["List-Unsubscribe"] is None  # a request for consent is no mailing
    text = message.get_body(("plain",)).get_content()
    url = next(line for line in text.splitlines() if "/consent/" in line).strip()
    assert url in message.get_body(("html",)).get_content()
    path = urlsplit(url).path

    page = await system.notifications.get(path)
    assert page.status_code == 200 and "Einladungen zu Treffen" in page.text
    assert "2026-11" in page.text  # the text version agreed to
    assert (await system.notifications.post(path[:-4] + "abcd")).status_code == 400

    consumer = AIOKafkaConsumer(
        settings.kafka_topic_prefix + topics.NOTIFICATIONS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        done = await system.notifications.post(path)
        assert done.status_code == 200 and "bestätigt" in done.text

        async def confirmed():
            batch = await consumer.getmany(timeout_ms=500)
            for record in (r for records in batch.values() for r in records):
                envelope = from_kafka(record.key, record.value, record.headers)
                if envelope.type == "aiq.consent.confirmed.v1":
                    return envelope.data
            return None

        data = await eventually(confirmed)
    finally:
        await consumer.stop()
    assert data["person_id"] == "p-doi" and data["request_id"] == "doi-1"
    assert data["purpose"] == "invitations" and data["text_version"] == "2026-11"


async def test_an_erased_person_leaves_no_address_or_name_here(system) -> None:
    person = await create_person(system, "Erika", "erika.erased@betrieb.example")
    await eventually(lambda: recipient_known(system, person["id"]))
    meeting = (
        await system.events.post(
            "/events",
            json={
                "title": "Netzwerktreffen",
                "starts_at": local(upcoming()[0]),
                "ends_at": local(upcoming()[1]),
                "venue": {"name": "Café Durchblick"},
                "capacity": 10,
                "districts": ["Hörde"],
            },
        )
    ).json()
    await system.events.post(f"/events/{meeting['id']}/publish")
    await eventually(lambda: deliveries(system, person_id=person["id"], state="sent"))

    settings = system.settings["notifications"]
    before = await mentions(settings, "erika.erased@betrieb.example", "Erika")
    assert {"recipients", "deliveries"} <= set(before)
    await publish(
        settings,
        PersonErasedV1(person_id=person["id"], erased_at=datetime.now(UTC)),
        source="/aiq/contacts",
    )

    async def forgotten() -> bool:
        return not await mentions(settings, "erika.erased@betrieb.example", "Erika")

    await eventually(forgotten)
    [delivery] = await deliveries(system, person_id=person["id"])
    assert delivery["email"] is None and delivery["state"] == "sent"  # the count stays


async def mentions(settings, *needles: str) -> list[str]:
    """Collections of the service's database in which any document contains a needle."""
    client = AsyncMongoClient(settings.mongo_url)
    try:
        database = client[settings.mongo_db]
        found = []
        for name in await database.list_collection_names():
            async for doc in database[name].find():
                if any(needle in repr(doc) for needle in needles):
                    found.append(name)
                    break
        return found
    finally:
        await client.close()
