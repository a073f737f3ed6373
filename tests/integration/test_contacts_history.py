"""Contact history on real servers: notes, calls and visits by staff; meeting attendance from
aiq.registrations; outcomes and follow-ups from aiq.events; an officer's open follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_contacts_support import events_on_contacts, publish, registration

from aiq_shared.contracts.meetings import FollowUp, MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import (
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationNoShowV1,
)
from helpers import eventually

pytestmark = pytest.mark.integration


async def test_history_follow_ups_and_attendance(contacts_and_events) -> None:
    system = contacts_and_events
    contacts = system.contacts
    organisation = (
        await contacts.post(
            "/organisations", json={"name": "Pflegedienst Phoenix", "district": "Hörde"}
        )
    ).json()
    oid = organisation["id"]
    people = [
        (
            await contacts.post(
                "/people",
                json={"first_name": first, "last_name": "Schmidt", "organisation_id": oid},
            )
        ).json()
        for first in ("Anna", "Bernd")
    ]
    anna, bernd = people

    visit = await contacts.post(
        f"/organisations/{oid}/interactions",
        json={
            "kind": "visit",
            "text": "Betrieb besichtigt",
            "author": "a.yilmaz",
            "occurred_at": "2026-11-20T10:00:00+01:00",
            "person_id": anna["id"],
        },
    )
    assert visit.status_code == 201, visit.text
    call = await contacts.post(
        f"/people/{bernd['id']}/interactions", json={"kind": "call", "text": "Rückruf"}
    )
    assert call.json()["organisation_id"] == oid  # shows in the company's history too
    bad = await contacts.post(
        f"/organisations/{oid}/interactions", json={"kind": "meeting_outcome", "text": "x"}
    )
    assert bad.status_code == 422
    unknown = await contacts.post(
        f"/organisations/{oid}/interactions",
        json={"kind": "note", "text": "x", "person_id": "nobody"},
    )
    assert unknown.status_code == 422
    assert (
        await contacts.post("/people/nobody/interactions", json={"kind": "note", "text": "x"})
    ).status_code == 404

    await publish(system, registration(RegistrationConfirmedV1, "r-anna", anna))
    await publish(system, registration(RegistrationCheckedInV1, "r-anna", anna))
    await publish(system, registration(RegistrationConfirmedV1, "r-bernd", bernd))
    await publish(system, registration(RegistrationNoShowV1, "r-bernd", bernd))
    await publish(
        system,
        MeetingOutcomeRecordedV1(
            outcome_id="o1",
            meeting_id="m1",
            meeting_title="Netzwerktreffen Winter",
            organisation_id=oid,
            attended=True,
            note="Zwei Praktikumsplätze, Interesse an Schul-AG",
            follow_ups=[
                FollowUp(
                    kind="internship_offer",
                    title="Praktika ausschreiben",
                    due="2026-12-15",
                    owner="a.yilmaz",
                ),
                FollowUp(kind="school_ag", title="Schul-AG mit Gesamtschule"),
            ],
            recorded_by="b.kaya",
            recorded_at=datetime.now(UTC),
        ),
    )

    async def attendance():  # type: ignore[no-untyped-def]
        page = await contacts.get(f"/organisations/{oid}/interactions", params={"limit": 50})
        items = page.json()["items"]
        found = {
            (i["person_id"], i["attendance"]) for i in items if i["kind"] == "meeting_attendance"
        }
        outcome = [i for i in items if i["kind"] == "meeting_outcome"]
        return found == {(anna["id"], "checked_in"), (bernd["id"], "no_show")} and outcome

    await eventually(attendance, timeout=60)
    history = (await contacts.get(f"/organisations/{oid}/interactions")).json()
    assert history["total"] == 5
    assert [i["kind"] for i in history["items"]][:2] == ["visit", "call"]
    newest_first = await contacts.get(
        f"/organisations/{oid}/interactions", params={"sort": "-created"}
    )
    assert newest_first.json()["items"] == history["items"][::-1]
    by_name = await contacts.get(f"/organisations/{oid}/interactions", params={"sort": "name"})
    assert by_name.status_code == 422  # history has no name order
    annas = (await contacts.get(f"/people/{anna['id']}/interactions")).json()
    assert {i["kind"] for i in annas["items"]} == {"visit", "meeting_attendance"}

    made = await contacts.post(
        "/follow-ups",
        json={
            "kind": "ambassador",
            "title": "Azubi als Botschafterin",
            "owner": "a.yilmaz",
            "person_id": anna["id"],
            "due": "2027-01-10",
        },
    )
    assert made.status_code == 201, made.text
    nowhere = await contacts.post("/follow-ups", json={"kind": "call", "title": "?"})
    assert nowhere.status_code == 422
    mine = (
        await contacts.get("/follow-ups", params={"owner": "a.yilmaz", "status": "open"})
    ).json()
    assert mine["total"] == 2
    assert {f["kind"] for f in mine["items"]} == {"internship_offer", "ambassador"}
    someday = await contacts.post(
        "/follow-ups",
        json={"kind": "visit", "title": "Irgendwann", "owner": "a.yilmaz", "organisation_id": oid},
    )
    titles, cursor = [], None
    while True:
        params = {"owner": "a.yilmaz", "sort": "due", "limit": 1}
        params |= {"cursor": cursor} if cursor else {}
        page = await contacts.get("/follow-ups", params=params)
        titles += [f["title"] for f in page.json()["items"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    assert titles == ["Praktika ausschreiben", "Azubi als Botschafterin", "Irgendwann"]
    await contacts.post(f"/follow-ups/{someday.json()['id']}/done")
    done = await contacts.post(f"/follow-ups/{made.json()['id']}/done")
    assert done.json()["status"] == "done" and done.json()["done_at"]
    again = await contacts.post(f"/follow-ups/{made.json()['id']}/done")
    assert again.json()["done_at"] == done.json()["done_at"]
    mine = (
        await contacts.get("/follow-ups", params={"owner": "a.yilmaz", "status": "open"})
    ).json()
    assert [f["title"] for f in mine["items"]] == ["Praktika ausschreiben"]
    school_ag = (await contacts.get("/follow-ups", params={"owner": "b.kaya"})).json()
    assert school_ag["items"][0]["kind"] == "school_ag"  # the recorder owns unowned ones
    assert (await contacts.post("/follow-ups/nope/done")).status_code == 404

    # every mutation is an event: staff interactions and follow-ups too (done once only)
    seen = await events_on_contacts(contacts_and_events, "aiq.follow_up.done.v1", count=2)
    types = [e.type for e in seen]
    assert types.count("aiq.follow_up.done.v1") == 2  # "someday" and "made", each once
    assert types.count("aiq.follow_up.opened.v1") == 2  # made by staff (outcomes make more)
    recorded = [e.data for e in seen if e.type == "aiq.interaction.recorded.v1"]
    assert {(r["kind"], r["author"]) for r in recorded} >= {("visit", "a.yilmaz"), ("call", None)}
    assert all("text" not in r for r in recorded)  # the note itself stays in contacts
