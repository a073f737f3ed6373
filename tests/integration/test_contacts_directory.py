"""Organisations and people over HTTP on real servers: fields, PATCH, students, search,
filters, sorting, counts, duplicates and merging."""

from __future__ import annotations

import asyncio

import pytest
from test_contacts_support import events_on_contacts

pytestmark = pytest.mark.integration

FULL = {
    "name": "Bäckerei Sonnenschein GmbH",
    "kind": "company",
    "industry": "Handwerk",
    "size": "10-49",
    "address": {"street": "Hauptstr. 1", "postcode": "44309", "city": "Dortmund"},
    "district": "Brackel",
    "officer": "j.nowak",
    "partner_since": "2020-10-01",
    "status": "active",
    "tags": ["IHK"],
    "website": "https://sonnenschein.example",
}


async def test_an_organisation_is_created_patched_and_published(contacts_and_events) -> None:
    contacts = contacts_and_events.contacts
    created = await contacts.post("/organisations", json=FULL)
    assert created.status_code == 201, created.text
    organisation = created.json()
    assert organisation["tags"] == ["ihk"] and organisation["possible_duplicates"] == []

    patched = await contacts.patch(
        f"/organisations/{organisation['id']}", json={"status": "dormant", "tags": ["ihk", "alt"]}
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "dormant" and patched.json()["officer"] == "j.nowak"

    bad = await contacts.patch(f"/organisations/{organisation['id']}", json={"industry": "Mond"})
    assert bad.status_code == 422 and "Handwerk" in bad.json()["known_industries"]
    bad = await contacts.patch(f"/organisations/{organisation['id']}", json={"size": "huge"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "size"]
    assert (await contacts.patch("/organisations/nope", json={})).status_code == 404

    events = await events_on_contacts(contacts_and_events, "aiq.organisation.updated.v1")
    updated = [e for e in events if e.type == "aiq.organisation.updated.v1"]
    assert updated[0].data["status"] == "dormant" and updated[0].data["postcode"] == "44309"


async def test_people_have_kinds_memberships_emails_and_students_stay_minimal(
    contacts_and_events,
) -> None:
    contacts = contacts_and_events.contacts
    company = (await contacts.post("/organisations", json=FULL)).json()
    school = (
        await contacts.post(
            "/organisations",
            json={"name": "Gesamtschule Scharnhorst", "kind": "school", "district": "Scharnhorst"},
        )
    ).json()
    anna = await contacts.post(
        "/people",
        json={
            "first_name": "Anna",
            "last_name": "Schmidt",
            "email": "anna@sonnenschein.example",
            "other_emails": ["anna.schmidt@privat.example"],
            "phone": "+49 231 1234",
            "organisation_id": company["id"],
            "role": "Ausbildungsleitung",
            "position": "Personal",
            "language": "de",
            "tags": ["Botschafterin"],
            "email_consent": True,
        },
    )
    assert anna.status_code == 201, anna.text
    assert anna.json()["consents"] == ["invitations"] and anna.json()["district"] == "Brackel"
    again = await contacts.post(
        "/people",
        json={
            "first_name": "X",
            "last_name": "Y",
            "email": "anna.schmidt@privat.example",
            "district": "Eving",
        },
    )
    assert again.status_code == 409 and again.json()["existing_person_id"] == anna.json()["id"]

    student = {
        "first_name": "Lea",
        "kind": "student",
        "organisation_id": school["id"],
        "class_level": 9,
        "under_16": True,
    }
    refused = await contacts.post("/people", json=student)
    assert refused.status_code == 422 and "guardian" in refused.json()["detail"]
    lea = await contacts.post(
        "/people", json={**student, "guardian_consent": {"given_on": "2026-09-01"}}
    )
    assert lea.status_code == 201, lea.text
    assert lea.json()["last_name"] is None and lea.json()["email"] is None
    too_much = await contacts.post(
        "/people", json={**student, "under_16": False, "email": "lea@schule.example"}
    )
    assert too_much.status_code == 422 and too_much.json()["fields"] == ["email"]
    at_a_company = await contacts.post(
        "/people", json={**student, "under_16": False, "organisation_id": company["id"]}
    )
    assert at_a_company.status_code == 422

    moved = await contacts.patch(
        f"/people/{anna.json()['id']}", json={"position": "Geschäftsführung", "tags": []}
    )
    assert moved.json()["position"] == "Geschäftsführung" and moved.json()["tags"] == []
    assert moved.json()["email_consent"] is True


async def _names(contacts, path: str, **params) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    page = (await contacts.get(path, params=params)).json()
    assert "items" in page, page
    return [item.get("name") or item["first_name"] for item in page["items"]], page["total"]


async def test_search_filters_sorting_counts_and_cursor(contacts_and_events) -> None:
    contacts = contacts_and_events.contacts
    specs = [
        ("Müller Metallbau", "Hörde", "Handwerk", "active", "m.schneider", "2020-10-01", ["ihk"]),
        ("Mueller Logistik", "Eving", "Logistik", "new", "t.yilmaz", None, []),
        ("Zeche Software", "Hörde", "IT und Software", "active", "m.schneider", "2024-03-01", []),
        ("Apotheke am Markt", "Hörde", "Gesundheit und Pflege", "ended", "m.schneider", None, []),
    ]
    ids = {}
    for name, district, industry, status, officer, since, tags in specs:
        body = {
            "name": name,
            "district": district,
            "industry": industry,
            "status": status,
            "officer": officer,
            "partner_since": since,
            "tags": tags,
        }
        ids[name] = (await contacts.post("/organisations", json=body)).json()["id"]
    orgs = "/organisations"
    assert await _names(contacts, orgs, q="mül") == (["Müller Metallbau"], 1)
    assert set((await _names(contacts, orgs, q="MUELLER"))[0]) == {
        "Müller Metallbau",
        "Mueller Logistik",
    }
    assert (await _names(contacts, orgs, q="metall mül"))[1] == 1
    assert (await _names(contacts, orgs, q="etall"))[1] == 0  # word beginnings only
    assert (await _names(contacts, orgs, q=".*"))[1] == 0  # no regular expressions
    assert (await _names(contacts, orgs, district="Hörde", status="active"))[1] == 2
    assert (await _names(contacts, orgs, officer="m.schneider", partner_since_from="2021-01-01"))[
        0
    ] == ["Zeche Software"]
    assert (await _names(contacts, orgs, status=["new", "ended"]))[1] == 2
    assert (await _names(contacts, orgs, tag="ihk"))[0] == ["Müller Metallbau"]
    assert (await contacts.get(orgs, params={"status": "asleep"})).status_code == 422

    names, cursor = [], None
    while True:
        params = {"district": "Hörde", "sort": "-name", "limit": 2}
        page = await contacts.get(orgs, params=params | ({"cursor": cursor} if cursor else {}))
        body = page.json()
        assert body["total"] == 3
        names += [o["name"] for o in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert names == ["Zeche Software", "Müller Metallbau", "Apotheke am Markt"]
    wrong = await contacts.get(orgs, params={"sort": "name", "cursor": "bm9wZQ"})
    assert wrong.status_code == 422

    for first, last, org, consent in (
        ("Jürgen", "Groß", "Müller Metallbau", True),
        ("Ayşe", "Yılmaz", "Zeche Software", False),
        ("Olaf", "Otto", "Mueller Logistik", True),
    ):
        await contacts.post(
            "/people",
            json={
                "first_name": first,
                "last_name": last,
                "organisation_id": ids[org],
                "email": f"{last.lower()}@x.example",
                "email_consent": consent,
                "tags": ["botschafter"] if first == "Olaf" else [],
            },
        )
    people = "/people"
    assert (await _names(contacts, people, q="jurg gross"))[0] == ["Jürgen"]
    assert (await _names(contacts, people, q="ayse"))[0] == ["Ayşe"]
    assert (await _names(contacts, people, industry="Handwerk"))[0] == ["Jürgen"]
    assert (await _names(contacts, people, officer="m.schneider", has_consent=True))[0] == [
        "Jürgen"
    ]
    assert (await _names(contacts, people, tag=["ihk", "botschafter"]))[1] == 2  # person or org
    assert (await _names(contacts, people, sort="name"))[0] == ["Jürgen", "Olaf", "Ayşe"]


async def test_duplicates_are_named_and_can_be_merged(contacts_and_events) -> None:
    contacts = contacts_and_events.contacts
    address = {"postcode": "44137"}
    first = (
        await contacts.post(
            "/organisations",
            json={
                "name": "Elektro Westfalen GmbH",
                "district": "Hörde",
                "address": address,
                "tags": ["ihk"],
            },
        )
    ).json()
    second = await contacts.post(
        "/organisations",
        json={
            "name": "elektro-westfalen",
            "district": "Hörde",
            "address": address,
            "officer": "t.yilmaz",
            "tags": ["neu"],
        },
    )
    assert second.status_code == 201  # warned, not refused
    second = second.json()
    assert second["possible_duplicates"] == [
        {"id": first["id"], "name": "Elektro Westfalen GmbH", "postcode": "44137"}
    ]
    person = (
        await contacts.post(
            "/people",
            json={"first_name": "Bernd", "last_name": "Kaya", "organisation_id": second["id"]},
        )
    ).json()
    note = await contacts.post(
        f"/organisations/{second['id']}/interactions", json={"kind": "call", "text": "Rückruf"}
    )
    assert note.status_code == 201
    follow_up = await contacts.post(
        "/follow-ups",
        json={"kind": "internship_offer", "title": "Praktikum", "organisation_id": second["id"]},
    )
    assert follow_up.status_code == 201

    merged = await contacts.post(
        f"/organisations/{first['id']}/merge", json={"merged_organisation_id": second["id"]}
    )
    assert merged.status_code == 200, merged.text
    # the survivor keeps its officer (Hörde's by default); tags are united
    assert merged.json()["officer"] == "m.schneider" and merged.json()["tags"] == ["ihk", "neu"]
    assert (await contacts.get(f"/organisations/{second['id']}")).status_code == 404
    moved = (await contacts.get(f"/people/{person['id']}")).json()
    assert moved["organisation_id"] == first["id"]
    history = (await contacts.get(f"/organisations/{first['id']}/interactions")).json()
    assert [i["text"] for i in history["items"]] == ["Rückruf"]
    open_ones = (await contacts.get("/follow-ups", params={"organisation_id": first["id"]})).json()
    assert open_ones["total"] == 1
    itself = await contacts.post(
        f"/organisations/{first['id']}/merge", json={"merged_organisation_id": first["id"]}
    )
    assert itself.status_code == 422

    events = await events_on_contacts(contacts_and_events, "aiq.organisations.merged.v1")
    types = [e.type for e in events]
    assert "aiq.organisations.merged.v1" in types
    person_updates = [e for e in events if e.type == "aiq.person.updated.v1"]
    assert person_updates[-1].data["organisation_id"] == first["id"]


async def test_an_address_belongs_to_one_person_even_when_asked_at_once(
    contacts_and_events,
) -> None:
    contacts = contacts_and_events.contacts
    body = {"first_name": "A", "last_name": "B", "email": "same@x.example", "district": "Eving"}
    answers = await asyncio.gather(*(contacts.post("/people", json=body) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409, 409]
    holder = next(a.json() for a in answers if a.status_code == 201)
    assert {a.json()["existing_person_id"] for a in answers if a.status_code == 409} == {
        holder["id"]
    }

    moved = await contacts.patch(f"/people/{holder['id']}", json={"email": "new@x.example"})
    assert moved.status_code == 200
    assert (await contacts.post("/people", json=body)).status_code == 201  # the old one is free
    taken = await contacts.patch(f"/people/{holder['id']}", json={"other_emails": [body["email"]]})
    assert taken.status_code == 409
