"""Industries and officers over HTTP on real servers: the WZ 2008 list with the programme's
names, suggestions for unknown ones (API and import), the section as a filter; officers are
staff members, by default the district's."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def test_industries_are_wz_sections_with_short_names_and_suggestions(
    contacts_and_events,
) -> None:
    contacts = contacts_and_events.contacts
    listed = (await contacts.get("/industries")).json()
    assert [s["section"] for s in listed["sections"]][:3] == ["A", "B", "C"]
    assert len(listed["sections"]) == 21
    hospitality = next(s for s in listed["sections"] if s["section"] == "I")
    assert hospitality["title"] == "Gastgewerbe" and "Hotellerie" in hospitality["names"]

    made = {}
    for name, industry in (
        ("Hotel am Phoenixsee", "Hotellerie"),
        ("Zeche Systemhaus", "IT und Telekommunikation"),
        ("Autohaus Borsig", "kfz-gewerbe"),
        ("Stahlwerk Hörde", "Industrie"),
    ):
        response = await contacts.post(
            "/organisations", json={"name": name, "industry": industry, "district": "Hörde"}
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()
    assert (
        made["Hotel am Phoenixsee"]["industry"],
        made["Hotel am Phoenixsee"]["industry_section"],
    ) == (
        "Hotellerie",
        "I",
    )
    assert made["Autohaus Borsig"]["industry"] == "Kfz-Gewerbe"  # the accepted spelling
    assert made["Autohaus Borsig"]["industry_section"] == "G"

    typo = await contacts.post(
        "/organisations", json={"name": "Pension", "industry": "Hotelerie", "district": "Hörde"}
    )
    assert typo.status_code == 422
    assert typo.headers["content-type"] == "application/problem+json"
    assert typo.json()["suggested_industries"][0] == "Hotellerie"
    assert "Hotellerie" in typo.json()["detail"] and "Handwerk" in typo.json()["known_industries"]

    moved = await contacts.patch(
        f"/organisations/{made['Stahlwerk Hörde']['id']}", json={"industry": "Metallbau"}
    )
    assert moved.json()["industry_section"] == "C"
    await contacts.post(
        "/people",
        json={
            "first_name": "Eva",
            "last_name": "Koch",
            "organisation_id": made["Hotel am Phoenixsee"]["id"],
        },
    )
    in_i = (await contacts.get("/organisations", params={"industry_section": "I"})).json()
    assert [o["name"] for o in in_i["items"]] == ["Hotel am Phoenixsee"]
    g_or_j = await contacts.get("/organisations", params={"industry_section": ["G", "J"]})
    assert g_or_j.json()["total"] == 2
    people = (await contacts.get("/people", params={"industry_section": "I"})).json()
    assert [p["first_name"] for p in people["items"]] == ["Eva"]
    exported = await contacts.get("/organisations/export", params={"industry_section": "C"})
    assert "Stahlwerk" in exported.content.decode("utf-8-sig")
    assert (
        await contacts.get("/organisations", params={"industry_section": "Z"})
    ).status_code == 422

    other = await contacts.post(
        "/organisations", json={"name": "Sonstwas", "industry": "Sonstige", "district": "Hörde"}
    )
    kept = await contacts.post(
        f"/organisations/{other.json()['id']}/merge",
        json={"merged_organisation_id": made["Stahlwerk Hörde"]["id"]},
    )
    assert (kept.json()["industry"], kept.json()["industry_section"]) == ("Sonstige", None)

    rows = (
        "organisation_name;industry;district;officer\n"
        "Pension Eving;Hotelerie;Eving;\n"
        "Spedition Nord;Spedition;Eving;Tarik Yılmaz\n"
    ).encode()
    report = (
        await contacts.post(
            "/imports",
            params={"dry_run": "true"},
            content=rows,
            headers={"Content-Type": "text/csv"},
        )
    ).json()
    assert report["valid_rows"] == 1
    assert (
        report["errors"] == [{"row": 2, "errors": [report["errors"][0]["errors"][0]]}]
        and "did you mean 'Hotellerie'" in report["errors"][0]["errors"][0]
    )


async def test_officers_are_staff_members_and_default_to_the_districts(contacts_and_events) -> None:
    contacts = contacts_and_events.contacts
    officers = (await contacts.get("/officers")).json()
    assert {
        "username": "m.schneider",
        "name": "Maria Schneider",
        "districts": ["Hörde"],
    } in officers
    assert "k.wagner" not in {o["username"] for o in officers}  # the coordinator

    by_default = (
        await contacts.post("/organisations", json={"name": "Bäckerei", "district": "Eving"})
    ).json()
    assert by_default["officer"] == "t.yilmaz"  # the first officer of Eving
    chosen = await contacts.post(
        "/organisations", json={"name": "Elektro", "district": "Eving", "officer": "m.schneider"}
    )
    assert chosen.json()["officer"] == "m.schneider"
    unknown = await contacts.post(
        "/organisations", json={"name": "X", "district": "Eving", "officer": "a.yilmaz"}
    )
    assert unknown.status_code == 422
    assert "t.yilmaz" in unknown.json()["known_officers"]
    patched = await contacts.patch(
        f"/organisations/{by_default['id']}", json={"officer": "Maria Schneider"}
    )
    assert patched.json()["officer"] == "m.schneider"  # named, stored by username
    refused = await contacts.patch(f"/organisations/{by_default['id']}", json={"officer": "nobody"})
    assert refused.status_code == 422
    cleared = await contacts.patch(f"/organisations/{by_default['id']}", json={"officer": None})
    assert cleared.json()["officer"] == "t.yilmaz"  # back to the district's officer
    mine = (await contacts.get("/organisations", params={"officer": "t.yilmaz"})).json()
    assert [o["name"] for o in mine["items"]] == ["Bäckerei"]
