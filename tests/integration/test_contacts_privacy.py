"""Data subject rights on real servers: a person's export, and an erasure that leaves no
trace of their name or address in any collection of the contacts database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bson import json_util
from pymongo import AsyncMongoClient
from test_contacts_support import events_on_contacts, publish, registration

from aiq_shared.contracts.meetings import FollowUp, MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import RegistrationCheckedInV1, RegistrationNoShowV1
from helpers import eventually

pytestmark = pytest.mark.integration

EMAIL = "quirinus.wackernagel@betrieb.example"
TRACES = ("quirinus", "wackernagel", "0231 987654")


async def _traces(settings) -> list[str]:  # type: ignore[no-untyped-def]
    """Every document of the contacts database that still mentions the person."""
    client = AsyncMongoClient(settings.mongo_url)
    try:
        database = client[settings.mongo_db]
        found = []
        for name in await database.list_collection_names():
            async for document in database[name].find({}):
                text = json_util.dumps(document).lower()
                if EMAIL in text or any(trace in text for trace in TRACES):
                    found.append(f"{name}: {text[:200]}")
        return found
    finally:
        await client.close()


async def test_a_person_is_exported_then_erased_everywhere(contacts_and_events) -> None:
    system = contacts_and_events
    contacts = system.contacts
    settings = system.settings["contacts"]
    organisation = (
        await contacts.post("/organisations", json={"name": "Elektro Nord", "district": "Hörde"})
    ).json()
    person = (
        await contacts.post(
            "/people",
            json={
                "first_name": "Quirinus",
                "last_name": "Wackernagel",
                "email": EMAIL,
                "phone": "0231 987654",
                "organisation_id": organisation["id"],
                "email_consent": True,
            },
            headers={"Idempotency-Key": "create-quirinus"},
        )
    ).json()
    pid = person["id"]
    await contacts.post(f"/people/{pid}/consents", json={"purpose": "newsletter", "granted": True})
    await contacts.post(f"/people/{pid}/double-opt-in", json={"purpose": "newsletter"})
    await contacts.post(
        f"/people/{pid}/interactions",
        json={"kind": "call", "text": "Herr Wackernagel bietet zwei Praktika an"},
    )
    await contacts.post(
        "/follow-ups",
        json={
            "kind": "internship_offer",
            "title": "Praktika",
            "person_id": pid,
            "organisation_id": organisation["id"],
        },
    )
    await contacts.post(
        "/follow-ups", json={"kind": "call", "title": "Rückruf Q.", "person_id": pid}
    )
    await publish(system, registration(RegistrationCheckedInV1, "r1", person))
    await publish(
        system,
        MeetingOutcomeRecordedV1(
            outcome_id="o1",
            meeting_id="m1",
            meeting_title="Netzwerktreffen Winter",
            organisation_id=organisation["id"],
            person_id=pid,
            attended=True,
            note="Herr Wackernagel möchte Botschafter werden",
            follow_ups=[FollowUp(kind="ambassador", title="Azubi-Botschafter", owner="a.y")],
            recorded_at=datetime.now(UTC),
        ),
    )

    async def history_complete():  # type: ignore[no-untyped-def]
        page = (await contacts.get(f"/people/{pid}/interactions")).json()
        return page["total"] == 3

    await eventually(history_complete, timeout=60)

    exported = await contacts.get(f"/people/{pid}/export")
    assert exported.status_code == 200
    export = exported.json()
    assert export["person"]["email"] == EMAIL
    assert export["organisation"]["name"] == "Elektro Nord"
    assert [c["purpose"] for c in export["consent_history"]] == ["invitations", "newsletter"]
    assert export["double_opt_in_requests"][0]["purpose"] == "newsletter"
    assert {i["kind"] for i in export["interactions"]} == {
        "call",
        "meeting_attendance",
        "meeting_outcome",
    }
    assert len(export["follow_ups"]) == 3
    assert await _traces(settings)  # the scan does see the person before erasure

    erased = await contacts.delete(f"/people/{pid}")
    assert erased.status_code == 200, erased.text
    assert erased.json()["person_id"] == pid
    assert (await contacts.get(f"/people/{pid}")).status_code == 404
    assert (await contacts.delete(f"/people/{pid}")).status_code == 404
    # a late event about the person does not bring them back
    await publish(system, registration(RegistrationNoShowV1, "r2", person))

    async def lag_gone():  # type: ignore[no-untyped-def]
        checks = (await contacts.get("/ready")).json()["checks"]
        return checks["outbox_pending"] == 0 and not any(checks["consumer_lag"].values())

    await eventually(lag_gone, timeout=60)
    assert await _traces(settings) == []
    # the organisation keeps its follow-up, without the person
    kept = await contacts.get("/follow-ups", params={"organisation_id": organisation["id"]})
    assert [(f["title"], f["person_id"]) for f in kept.json()["items"]] == [
        ("Praktika", None),
        ("Azubi-Botschafter", None),
    ]

    events = await events_on_contacts(system, "aiq.person.erased.v1")
    erasures = [e.data for e in events if e.type == "aiq.person.erased.v1"]
    assert erasures == [{"person_id": pid, "erased_at": erasures[0]["erased_at"]}]


def test_dates_in_follow_ups_are_plain_dates() -> None:
    assert FollowUp(kind="x", title="y", due="2026-12-01").due == date(2026, 12, 1)
