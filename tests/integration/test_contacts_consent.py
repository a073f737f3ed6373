"""Consent (DSGVO) and segments over HTTP on real servers, with the events they cause."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_contacts_support import events_on_contacts, publish

from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from helpers import eventually

pytestmark = pytest.mark.integration


async def _person(contacts, **extra):  # type: ignore[no-untyped-def]
    body = {"first_name": "Anna", "last_name": "Schmidt", "district": "Hörde"} | extra
    response = await contacts.post("/people", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_consent_is_kept_as_a_history_and_announced(contacts_and_events) -> None:
    system = contacts_and_events
    contacts = system.contacts
    person = await _person(contacts, email="anna@betrieb.example", email_consent=True)
    path = f"/people/{person['id']}/consents"

    newsletter = await contacts.post(
        path,
        json={"purpose": "newsletter", "granted": True, "source": "form", "recorded_by": "a.y"},
    )
    assert newsletter.status_code == 201, newsletter.text
    assert newsletter.json()["consents"] == ["invitations", "newsletter"]
    withdrawn = await contacts.post(path, json={"purpose": "invitations", "granted": False})
    assert withdrawn.json()["email_consent"] is False
    assert withdrawn.json()["consents"] == ["newsletter"]

    history = (await contacts.get(path)).json()
    assert [(h["purpose"], h["granted"], h["source"]) for h in history] == [
        ("invitations", True, "staff"),
        ("newsletter", True, "form"),
        ("invitations", False, "staff"),
    ]
    assert all(h["text_version"] == "2026-01" and h["recorded_at"] for h in history)

    bad = await contacts.post(path, json={"purpose": "marketing", "granted": True})
    assert bad.status_code == 422
    no_email = await _person(contacts, first_name="Ohne", email=None)
    refused = await contacts.post(
        f"/people/{no_email['id']}/consents", json={"purpose": "newsletter", "granted": True}
    )
    assert refused.status_code == 422 and "email" in refused.json()["detail"]

    events = await events_on_contacts(system, "aiq.consent.changed.v1", 2)
    changes = [e.data for e in events if e.type == "aiq.consent.changed.v1"]
    assert [(c["purpose"], c["granted"]) for c in changes] == [
        ("newsletter", True),
        ("invitations", False),
    ]
    updates = [e.data for e in events if e.type == "aiq.person.updated.v1"]
    assert updates[-1]["email_consent"] is False and updates[-1]["consents"] == ["newsletter"]


async def test_double_opt_in_is_requested_and_the_confirmation_grants(
    contacts_and_events,
) -> None:
    system = contacts_and_events
    contacts = system.contacts
    person = await _person(contacts, email="bernd@betrieb.example")
    requested = await contacts.post(
        f"/people/{person['id']}/double-opt-in", json={"purpose": "invitations"}
    )
    assert requested.status_code == 202, requested.text
    request_id = requested.json()["request_id"]
    events = await events_on_contacts(system, "aiq.double_opt_in.requested.v1")
    asked = [e.data for e in events if e.type == "aiq.double_opt_in.requested.v1"]
    assert asked[0]["email"] == "bernd@betrieb.example" and asked[0]["request_id"] == request_id

    await publish(
        system,
        ConsentConfirmedV1(
            request_id=request_id,
            person_id=person["id"],
            purpose="invitations",
            text_version="2026-01",
            confirmed_at=datetime.now(UTC),
        ),
    )

    async def granted():  # type: ignore[no-untyped-def]
        return (await contacts.get(f"/people/{person['id']}")).json()["email_consent"]

    await eventually(granted, timeout=60)
    history = (await contacts.get(f"/people/{person['id']}/consents")).json()
    assert history[-1]["source"] == "double-opt-in" and history[-1]["request_id"] == request_id

    await publish(
        system,
        ConsentWithdrawnV1(
            person_id=person["id"], purpose="invitations", source="unsubscribe-link"
        ),
    )

    async def withdrawn():  # type: ignore[no-untyped-def]
        return not (await contacts.get(f"/people/{person['id']}")).json()["email_consent"]

    await eventually(withdrawn, timeout=60)
    history = (await contacts.get(f"/people/{person['id']}/consents")).json()
    assert [h["source"] for h in history] == ["double-opt-in", "unsubscribe-link"]

    without_email = await _person(contacts, first_name="Carla", last_name="Ohne")
    refused = await contacts.post(f"/people/{without_email['id']}/double-opt-in", json={})
    assert refused.status_code == 422


async def test_segments_are_saved_listed_resolved_and_deleted(contacts_and_events) -> None:
    system = contacts_and_events
    contacts = system.contacts
    handwerk = (
        await contacts.post(
            "/organisations",
            json={
                "name": "Metallbau Emscher",
                "industry": "Handwerk",
                "district": "Hörde",
                "status": "active",
            },
        )
    ).json()
    other = (
        await contacts.post("/organisations", json={"name": "Zeche IT", "district": "Hörde"})
    ).json()
    for first, org, consent in (
        ("Anna", handwerk, True),
        ("Bernd", handwerk, False),
        ("Carla", other, True),
    ):
        await _person(
            contacts,
            first_name=first,
            organisation_id=org["id"],
            district=None,
            email=f"{first.lower()}@x.example",
            email_consent=consent,
        )
    body = {
        "name": "Handwerk Hörde mit Einwilligung",
        "filter": {"districts": ["Hörde"], "industries": ["Handwerk"], "has_consent": True},
    }
    saved = await contacts.post("/segments", json=body)
    assert saved.status_code == 201, saved.text
    segment = saved.json()
    members = (await contacts.get(f"/segments/{segment['id']}/people")).json()
    assert [p["first_name"] for p in members["items"]] == ["Anna"] and members["total"] == 1

    changed = await contacts.put(
        f"/segments/{segment['id']}", json={**body, "filter": {"districts": ["Hörde"]}}
    )
    assert changed.status_code == 200
    assert (await contacts.get(f"/segments/{segment['id']}/people")).json()["total"] == 3
    assert (await contacts.get("/segments")).json()["total"] == 1
    everyone = (await contacts.post("/segments", json={"name": "Alle"})).json()
    names, cursor = [], None
    while True:
        params = {"sort": "name", "limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await contacts.get("/segments", params=params)).json()
        names += [item["name"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert names == ["Alle", body["name"]]
    assert (await contacts.delete(f"/segments/{everyone['id']}")).status_code == 204
    bad = await contacts.post("/segments", json={"name": "x", "filter": {"$where": "1"}})
    assert bad.status_code == 422

    assert (await contacts.delete(f"/segments/{segment['id']}")).status_code == 204
    assert (await contacts.get(f"/segments/{segment['id']}")).status_code == 404
    assert (await contacts.delete(f"/segments/{segment['id']}")).status_code == 404
    assert (await contacts.put(f"/segments/{segment['id']}", json=body)).status_code == 404

    events = await events_on_contacts(system, "aiq.segment.deleted.v1", 2)
    kinds = [e.type for e in events if e.type.startswith("aiq.segment")]
    assert kinds.count("aiq.segment.saved.v1") == 3
    assert kinds.count("aiq.segment.deleted.v1") == 2
    saved_event = next(  # one segment's events keep their order (keyed by its id)
        e
        for e in events
        if e.type == "aiq.segment.saved.v1" and e.data["segment_id"] == segment["id"]
    )
    assert saved_event.data["filter"]["industries"] == ["Handwerk"]
