"""A person in several organisations on real servers: a teacher at a school who is also an
ambassador at a company, with a role in each; lists, filters, export, events and merging."""

from __future__ import annotations

import csv
import io

import pytest
from test_contacts_support import events_on_contacts

pytestmark = pytest.mark.integration


async def _names(contacts, path: str, **params) -> list[str]:  # type: ignore[no-untyped-def]
    page = await contacts.get(path, params=params)
    assert page.status_code == 200, page.text
    return [p["first_name"] for p in page.json()["items"]]


async def test_a_person_belongs_to_a_school_and_a_company(contacts_and_events) -> None:
    contacts = contacts_and_events.contacts
    school = (
        await contacts.post(
            "/organisations",
            json={"name": "Gesamtschule Eving", "kind": "school", "district": "Eving"},
        )
    ).json()
    company = (
        await contacts.post(
            "/organisations",
            json={"name": "Elektro Westfalen", "industry": "Handwerk", "district": "Hörde"},
        )
    ).json()
    duplicate = (
        await contacts.post(
            "/organisations", json={"name": "Elektro Westfalen GmbH", "district": "Hörde"}
        )
    ).json()
    created = await contacts.post(
        "/people",
        json={
            "first_name": "Eva",
            "last_name": "Koch",
            "kind": "teacher",
            "email": "eva.koch@schule.example",
            "memberships": [
                {"organisation_id": school["id"], "role": "Lehrkraft", "position": "Studienrätin"},
                {"organisation_id": duplicate["id"], "role": "Ausbildungsbotschafterin"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    eva = created.json()
    assert (eva["organisation_id"], eva["role"], eva["district"]) == (
        school["id"],
        "Lehrkraft",
        "Eving",
    )
    assert [m["organisation_id"] for m in eva["memberships"]] == [school["id"], duplicate["id"]]
    assert (await contacts.get(f"/people/{eva['id']}")).json() == eva
    await contacts.post(
        "/people",
        json={"first_name": "Ben", "last_name": "Roth", "organisation_id": company["id"]},
    )
    unknown = await contacts.post(
        "/people",
        json={
            "first_name": "X",
            "last_name": "Y",
            "district": "Eving",
            "memberships": [{"organisation_id": "nowhere"}],
        },
    )
    assert unknown.status_code == 422 and "nowhere" in unknown.json()["detail"]

    # merging the duplicate into the company moves Eva's membership there
    merged = await contacts.post(
        f"/organisations/{company['id']}/merge", json={"merged_organisation_id": duplicate["id"]}
    )
    assert merged.status_code == 200, merged.text
    eva = (await contacts.get(f"/people/{eva['id']}")).json()
    assert [(m["organisation_id"], m["role"]) for m in eva["memberships"]] == [
        (school["id"], "Lehrkraft"),
        (company["id"], "Ausbildungsbotschafterin"),
    ]

    # either side lists her, and filters by organisation find her through either
    assert await _names(contacts, f"/organisations/{school['id']}/people") == ["Eva"]
    assert await _names(contacts, f"/organisations/{company['id']}/people") == ["Eva", "Ben"]
    assert await _names(contacts, "/people", organisation_id=company["id"]) == ["Eva", "Ben"]
    assert await _names(contacts, "/people", industry="Handwerk") == ["Eva", "Ben"]
    assert await _names(contacts, "/people", organisation_kind="school") == ["Eva"]
    # ... but the organisation criteria hold for one organisation at a time
    assert await _names(contacts, "/people", industry="Handwerk", organisation_kind="school") == []
    await contacts.patch(f"/organisations/{company['id']}", json={"tags": ["botschafter"]})
    assert await _names(contacts, "/people", tag="botschafter", organisation_kind="school") == []
    assert await _names(contacts, "/people", tag="botschafter", kind="teacher") == ["Eva"]

    changed = await contacts.patch(
        f"/people/{eva['id']}", json={"organisation_id": company["id"], "position": "Mentorin"}
    )
    assert changed.status_code == 200, changed.text
    assert [m["organisation_id"] for m in changed.json()["memberships"]] == [
        company["id"],
        school["id"],
    ]
    assert changed.json()["role"] == "Ausbildungsbotschafterin"
    assert changed.json()["position"] == "Mentorin"

    exported = await contacts.get("/people/export", params={"organisation_kind": "school"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [r["organisation_name"] for r in rows] == ["Elektro Westfalen"]
    assert rows[0]["memberships"] == (
        "Elektro Westfalen (Ausbildungsbotschafterin, Mentorin); "
        "Gesamtschule Eving (Lehrkraft, Studienrätin)"
    )
    access = (await contacts.get(f"/people/{eva['id']}/export")).json()
    assert [o["name"] for o in access["organisations"]] == [
        "Elektro Westfalen",
        "Gesamtschule Eving",
    ]

    events = await events_on_contacts(contacts_and_events, "aiq.organisations.merged.v1")
    about_eva = [e.data for e in events if e.data.get("person_id") == eva["id"]]
    assert about_eva[0]["memberships"][1]["organisation_id"] == duplicate["id"]
    assert about_eva[-1]["organisation_id"] == company["id"]
    assert [m["organisation_id"] for m in about_eva[-1]["memberships"]] == [
        company["id"],
        school["id"],
    ]
