"""Erasure (Art. 17 DSGVO): on aiq.person.erased.v1 the events service forgets the person's name
and address everywhere in its database, and keeps the counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient
from test_events_support import (
    caught_up,
    events_published,
    new_organisation,
    new_person,
    path_of,
    publish_contacts_events,
    rsvp,
    wait_for_read_model,
)

from aiq_shared.contracts.contacts import PersonErasedV1
from helpers import eventually

pytestmark = pytest.mark.integration

MEETING = {
    "title": "Netzwerktreffen Eving",
    "starts_at": "2027-05-20T16:00:00",
    "ends_at": "2027-05-20T19:00:00",
    "venue": {"name": "Stadtteilzentrum"},
    "capacity": 10,
    "districts": ["Eving"],
    "topic_tables": [{"title": "Speed-Woche", "capacity": 5}],
}
FIRST, LAST, EMAIL = "Erikaloeschbar", "Musterfraulöschbar", "erika.loeschbar@betrieb.example"


async def test_an_erased_person_leaves_no_name_or_address_behind(contacts_and_events) -> None:
    system = contacts_and_events
    company = await new_organisation(system, "Ev GmbH", "Eving")
    erika = await new_person(
        system, FIRST, LAST, email=EMAIL, organisation_id=company["id"], consent=True
    )
    teacher = await new_person(system, "Lehrer", "X", district="Eving")
    other = await new_person(
        system, "Bleibt", "Da", email="bleibt@betrieb.example", organisation_id=company["id"],
        consent=True,
    )  # fmt: skip
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await eventually(lambda: caught_up(system), timeout=60)
    await wait_for_read_model(system, meeting["id"], 2, districts=["Eving"])
    await system.events.post(f"/events/{meeting['id']}/publish")
    invitations = (await system.events.get(f"/events/{meeting['id']}/invitations")).json()
    link = next(i["rsvp_url"] for i in invitations["items"] if i["person_id"] == erika["id"])
    answer = await rsvp(system, link, tables=[meeting["topic_tables"][0]["id"]])
    assert answer.status_code == 200 and FIRST in answer.text
    # her name also sits in a school group (as a named student), an idempotent request's stored
    # answer, and a note about her
    group = await system.events.post(
        f"/events/{meeting['id']}/group-registrations",
        json={"teacher_person_id": teacher["id"], "student_person_ids": []},
    )
    assert group.status_code == 201
    second = await system.events.post(
        f"/events/{meeting['id']}/registrations",
        json={"person_id": other["id"]},
        headers={"Idempotency-Key": "k1"},
    )
    assert second.status_code == 201
    await system.events.post(
        f"/events/{meeting['id']}/outcomes",
        json={"outcomes": [{"person_id": erika["id"], "note": f"{FIRST} {LAST} sagt zu"}]},
    )

    await publish_contacts_events(
        system, PersonErasedV1(person_id=erika["id"], erased_at=datetime.now(UTC))
    )

    async def forgotten() -> bool:
        listed = (await system.events.get(f"/events/{meeting['id']}/registrations")).json()
        mine = [r for r in listed["items"] if r["person_id"] == erika["id"]]
        return bool(mine) and mine[0]["display_name"] == "gelöscht"

    await eventually(forgotten, timeout=30)
    await eventually(lambda: events_published(system), timeout=30)

    settings = system.settings["events"]
    client = AsyncMongoClient(settings.mongo_url)
    try:
        database = client[settings.mongo_db]
        leaks, seen = [], set()
        for name in await database.list_collection_names():
            async for document in database[name].find({}):
                text = repr(document)
                for secret in (FIRST, LAST, EMAIL, EMAIL.split("@")[0]):
                    if secret in text:
                        leaks.append((name, secret))
                if "bleibt@betrieb.example" in text or "Bleibt Da" in text:
                    seen.add(name)
        assert leaks == []
        # the scan does see personal data: that of the person who was not erased
        assert {"participants", "registrations", "invitations"} <= seen
    finally:
        await client.close()

    # her link no longer opens
    assert (await system.events.get(path_of(link))).status_code == 400

    # counts stay: she is still one registration and one invitation, just without a name
    report = (await system.events.get(f"/events/{meeting['id']}/report")).json()
    assert report["totals"]["registered"] == 3 and report["totals"]["invited"] == 2
    # the read model no longer offers her for invitations
    preview = (
        await system.events.post(f"/events/{meeting['id']}/invitations/preview", json={})
    ).json()
    assert preview["matched"] == 2  # the teacher (no consent) and "Bleibt Da"
