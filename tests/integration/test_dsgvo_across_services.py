"""DSGVO across the three services, on real servers, as the issue checks it: a person without
consent gets no invitation and one who confirms the double opt-in does; after an erasure no
service's database holds the person's email address or name."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from pymongo import AsyncMongoClient

from helpers import create_person, deliveries, eventually, mail_to, recipient_known, register

pytestmark = pytest.mark.integration

MEETING = {
    "title": "Netzwerktreffen Hörde",
    "starts_at": "2027-03-18T16:00:00",
    "ends_at": "2027-03-18T19:00:00",
    "venue": {"name": "Café Durchblick"},
    "capacity": 20,
    "districts": ["Hörde"],
}


async def eligible(system, meeting_id: str) -> int:
    preview = await system.events.post(f"/events/{meeting_id}/invitations/preview", json={})
    return preview.json().get("eligible", -1)


async def test_only_a_confirmed_double_opt_in_brings_an_invitation(system) -> None:
    nora = await create_person(system, "Nora", "nora.doi@betrieb.example", consent=False)
    await eventually(lambda: recipient_known(system, nora["id"]))
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await system.events.post(f"/events/{meeting['id']}/publish")
    await eventually(lambda: system.notifications.get(f"/campaigns?event_id={meeting['id']}"))
    assert await deliveries(system, person_id=nora["id"], kind="invitation") == []

    asked = await system.contacts.post(
        f"/people/{nora['id']}/double-opt-in", json={"purpose": "invitations"}
    )
    assert asked.status_code == 202, asked.text
    [request] = await eventually(lambda: mail_to(system, "nora.doi@betrieb.example"))
    link = re.search(r"http\S+/consent/\S+", request.get_body(("plain",)).get_content())
    assert link is not None
    confirmed = await system.notifications.post(urlsplit(link.group()).path)
    assert confirmed.status_code == 200

    async def consent_recorded() -> bool:
        person = (await system.contacts.get(f"/people/{nora['id']}")).json()
        return person["email_consent"] is True

    await eventually(consent_recorded)
    history = (await system.contacts.get(f"/people/{nora['id']}/consents")).json()
    last = history["items"][-1] if isinstance(history, dict) else history[-1]
    assert last["source"] == "double-opt-in" and last["granted"] is True
    await eventually(lambda: _eligible_is(system, meeting["id"], 1))
    invited = await system.events.post(f"/events/{meeting['id']}/invitations", json={})
    assert invited.status_code in (200, 201) and invited.json()["invited"] == 1
    [invitation] = await eventually(
        lambda: deliveries(system, person_id=nora["id"], kind="invitation", state="sent")
    )
    assert invitation["meeting_id"] == meeting["id"]


async def _eligible_is(system, meeting_id: str, count: int) -> bool:
    return await eligible(system, meeting_id) == count


async def test_an_erased_person_is_in_no_services_database(system) -> None:
    address, name = "erika.vergessen@betrieb.example", "Vergessenmann"
    organisation = (
        await system.contacts.post(
            "/organisations", json={"name": "Metallbau Emscher", "district": "Hörde"}
        )
    ).json()
    erika = (
        await system.contacts.post(
            "/people",
            json={
                "first_name": "Erika",
                "last_name": name,
                "email": address,
                "phone": "0231 1234567",
                "organisation_id": organisation["id"],
                "email_consent": True,
            },
        )
    ).json()
    for other in ("Otto", "Olga"):
        await create_person(system, other, f"{other.lower()}.bleibt@betrieb.example")
    await eventually(lambda: recipient_known(system, erika["id"]))
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await eventually(lambda: _eligible_is(system, meeting["id"], 3))
    await system.events.post(f"/events/{meeting['id']}/publish")
    assert (await register(system, meeting["id"], erika["id"], [])).status_code == 201
    await eventually(
        lambda: deliveries(system, person_id=erika["id"], kind="confirmation", state="sent")
    )
    before = await holding(system, address, name)
    assert {place.split(".")[0] for place in before} == {"contacts", "events", "notifications"}

    erased = await system.contacts.delete(f"/people/{erika['id']}")
    assert erased.status_code == 200, erased.text

    async def forgotten() -> bool:
        return not await holding(system, address, name)

    try:
        await eventually(forgotten, timeout=30)
    except AssertionError:
        raise AssertionError(f"still held in {await holding(system, address, name)}") from None
    # what stays: anonymous counts
    dashboard = (await system.notifications.get("/dashboards/districts/Hörde")).json()
    counts = next(e for e in dashboard["events"] if e["meeting_id"] == meeting["id"])
    assert counts["invited"] == 3 and counts["registered"] == 1


async def holding(system, *needles: str) -> set[str]:
    """Where (service.collection) any document holds any of the needles."""
    found = set()
    for service, settings in system.settings.items():
        client = AsyncMongoClient(settings.mongo_url)
        try:
            database = client[settings.mongo_db]
            for collection in await database.list_collection_names():
                async for doc in database[collection].find():
                    if any(needle.lower() in repr(doc).lower() for needle in needles):
                        found.add(f"{service}.{collection}")
                        break
        finally:
            await client.close()
    return found
