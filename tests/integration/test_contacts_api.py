"""Contacts over HTTP on real servers: validation, conflicts, pagination, events on Kafka."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer

from aiq_shared import topics
from aiq_shared.envelope import from_kafka

pytestmark = pytest.mark.integration


async def test_people_and_organisations_are_created_listed_and_published(system) -> None:
    contacts = system.contacts
    organisation = (
        await contacts.post(
            "/organisations",
            json={"name": "Elektro Westfalen", "industry": "Handwerk", "district": "Hörde"},
        )
    ).json()
    response = await contacts.post(
        "/people",
        json={
            "first_name": "Anna",
            "last_name": "Schmidt",
            "email": "Anna.Schmidt@Betrieb.example",
            "organisation_id": organisation["id"],
            "email_consent": True,
        },
    )
    assert response.status_code == 201
    person = response.json()
    assert person["district"] == "Hörde"  # taken from the organisation
    assert person["email"] == "anna.schmidt@betrieb.example"
    assert (await contacts.get(f"/people/{person['id']}")).json() == person

    settings = system.settings["contacts"]
    consumer = AIOKafkaConsumer(
        settings.kafka_topic_prefix + topics.CONTACTS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen = []
        while len(seen) < 2:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, "no events on aiq.contacts"
            seen += [from_kafka(r.key, r.value, r.headers) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    by_type = {e.type: e for e in seen}  # two aggregates: no order between them
    assert set(by_type) == {"aiq.organisation.created.v1", "aiq.person.created.v1"}
    published = by_type["aiq.person.created.v1"]
    assert published.data["email"] == "anna.schmidt@betrieb.example"
    assert published.subject == person["id"] and published.source == "/aiq/contacts"
    assert published.traceparent is not None


async def test_bad_input_gets_a_clear_4xx(system) -> None:
    contacts = system.contacts
    unknown = await contacts.post("/organisations", json={"name": "X", "district": "Atlantis"})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "Hörde" in unknown.json()["known_districts"]

    bad_email = await contacts.post(
        "/people", json={"first_name": "A", "last_name": "B", "email": "no-at", "district": "Eving"}
    )
    assert bad_email.status_code == 422

    consent_without_email = await contacts.post(
        "/people",
        json={"first_name": "A", "last_name": "B", "district": "Eving", "email_consent": True},
    )
    assert consent_without_email.status_code == 422

    body = {"first_name": "A", "last_name": "B", "email": "a@b.example", "district": "Eving"}
    first = await contacts.post("/people", json=body)
    again = await contacts.post("/people", json=body)
    assert again.status_code == 409
    assert again.json()["existing_person_id"] == first.json()["id"]

    assert (await contacts.get("/people/doesnotexist")).status_code == 404
    assert (await contacts.get("/people", params={"cursor": "nonsense"})).status_code == 422


async def test_lists_are_paginated_with_a_cursor(system) -> None:
    contacts = system.contacts
    for i in range(5):
        await contacts.post("/organisations", json={"name": f"Betrieb {i}", "district": "Mengede"})
    await contacts.post("/organisations", json={"name": "Anderswo", "district": "Eving"})
    names, cursor = [], None
    while True:
        params = {"district": "Mengede", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await contacts.get("/organisations", params=params)).json()
        names += [o["name"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == [f"Betrieb {i}" for i in range(5)]


async def test_a_retried_post_with_the_same_idempotency_key_creates_one_record(system) -> None:
    contacts = system.contacts
    body = {"name": "Bäckerei Sonnenschein", "district": "Brackel"}
    headers = {"Idempotency-Key": "retry-1"}
    first = await contacts.post("/organisations", json=body, headers=headers)
    second = await contacts.post("/organisations", json=body, headers=headers)
    assert first.json() == second.json()
    listed = (await contacts.get("/organisations", params={"district": "Brackel"})).json()
    assert len(listed["items"]) == 1
