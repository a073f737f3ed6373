"""The personal link's pages (issue 9), on real servers: the programme on the RSVP page, saying
no through the decline link (once, and a registered person is asked to cancel instead), and a
teacher registering their school group with named and unnamed students.
"""

from __future__ import annotations

import re

import pytest
from test_events_support import (
    events_fixture,
    events_on,
    events_published,
    links,
    message_of,
    path_of,
    people,
    publish_contacts_events,
    rsvp,
)

from aiq_shared import topics
from aiq_shared.contracts.contacts import OrganisationCreatedV1
from helpers import eventually

pytestmark = pytest.mark.integration

MEETING = {
    "title": "Netzwerktreffen Hombruch",
    "description": "Unternehmen, Schulen und junge Menschen an einem Tisch.",
    "starts_at": "2027-04-15T16:00:00",
    "ends_at": "2027-04-15T19:00:00",
    "venue": {"name": "Bürgerhaus"},
    "capacity": 20,
    "districts": ["Hombruch"],
    "agenda": [
        {"kind": "welcome", "title": "Begrüßung", "starts_at": "2027-04-15T16:00:00"},
        {
            "kind": "keynote",
            "title": "Impuls der Agentur für Arbeit",
            "starts_at": "2027-04-15T14:15:00+00:00",
        },
        {"kind": "informal", "title": "Buffet"},
    ],
    "topic_tables": [
        {"title": "Schul-AGs", "capacity": 10},
        {"title": "Speed-Woche", "capacity": 10},
    ],
}


events = events_fixture()  # the events service alone


async def test_the_rsvp_page_shows_the_programme_and_a_way_to_say_no(events) -> None:
    system = events
    anna, ben = await people(system, "Anna", "Ben")
    meeting = (await system.events.post("/events", json=MEETING)).json()
    link = await links(system, meeting["id"], 2)
    page = (await system.events.get(path_of(link[anna]))).text
    programme = page[page.index("<h2>Programm</h2>") :]
    assert "<strong>16:00 Uhr</strong> · Begrüßung" in programme
    assert "<strong>16:15 Uhr</strong> · Impuls der Agentur für Arbeit" in programme  # Berlin
    assert "<li>Buffet</li>" in programme
    assert MEETING["description"] in page
    decline = path_of(link[anna]) + "/absagen"
    assert f'href="{decline}">Ich kann nicht teilnehmen</a>' in page

    # the decline page asks first; saying no is recorded once
    asking = await system.events.get(decline)
    assert asking.status_code == 200 and "Bitte bestätigen Sie Ihre Absage" in asking.text
    assert '<form method="post"><button type="submit" class="danger">' in asking.text
    said = await system.events.post(decline)
    assert said.status_code == 200 and "Danke für Ihre Rückmeldung" in message_of(said.text)
    again = await system.events.post(decline)
    assert again.status_code == 200 and "bereits abgesagt" in message_of(again.text)
    assert "bereits abgesagt" in message_of((await system.events.get(decline)).text)
    listed = (await system.events.get(f"/events/{meeting['id']}/invitations")).json()["items"]
    answers = {i["person_id"]: i["response"] for i in listed}
    assert answers == {anna: "declined", ben: "open"}
    await eventually(lambda: events_published(system))
    declined = [
        e.contract()
        for e in await events_on(system, topics.EVENTS, meeting["id"])
        if e.type == "aiq.invitation.declined.v1"
    ]
    assert [(d.person_id, d.meeting_id) for d in declined] == [(anna, meeting["id"])]
    # she changes her mind: the link still registers her
    page = (await system.events.get(path_of(link[anna]))).text
    assert "dass Sie nicht teilnehmen können" in page and "Verbindlich anmelden" in page
    assert "Sie sind angemeldet" in message_of((await rsvp(system, link[anna])).text)
    listed = (await system.events.get(f"/events/{meeting['id']}/invitations")).json()["items"]
    assert {i["person_id"]: i["response"] for i in listed}[anna] == "confirmed"

    # someone registered is asked to cancel instead, with the button for it on the page
    await rsvp(system, link[ben])
    ben_decline = path_of(link[ben]) + "/absagen"
    asked = await system.events.get(ben_decline)
    assert "stornieren Sie bitte Ihre Anmeldung" in message_of(asked.text)
    cancel_form = f'<form method="post" action="{path_of(link[ben])}">'
    assert cancel_form in asked.text and 'value="cancel"' in asked.text
    refused = await system.events.post(ben_decline)
    assert refused.status_code == 409 and "stornieren Sie bitte" in message_of(refused.text)
    cancelled = await rsvp(system, link[ben], action="cancel")
    assert "storniert" in message_of(cancelled.text)
    listed = (await system.events.get(f"/events/{meeting['id']}/invitations")).json()["items"]
    assert {i["person_id"]: i["response"] for i in listed}[ben] == "cancelled"

    # a cancelled meeting takes no answer; a damaged link gets the German page
    assert (await system.events.post(f"/events/{meeting['id']}/cancel")).status_code == 200
    page = await system.events.get(ben_decline)
    assert "abgesagt" in message_of(page.text) and "<form" not in page.text
    assert (await system.events.post(ben_decline)).status_code == 409
    broken = await system.events.get("/rsvp/kaputt/absagen")
    assert broken.status_code == 400 and "ungültig" in message_of(broken.text)


async def test_a_teacher_registers_the_school_group_through_the_own_link(events) -> None:
    system = events
    await publish_contacts_events(
        system,
        OrganisationCreatedV1(
            organisation_id="school-1", name="Gesamtschule", district="Hombruch", kind="school"
        ),
        OrganisationCreatedV1(
            organisation_id="school-2", name="Realschule", district="Hombruch", kind="school"
        ),
    )
    (teacher,) = await people(system, "Lehrerin", kind="teacher", organisation_id="school-1")
    (anna,) = await people(system, "Anna")
    sara, timo, vera = await people(
        system, "Sara", "Timo", "Vera", kind="student", organisation_id="school-1",
        email_consent=False,
    )  # fmt: skip
    (uwe,) = await people(
        system, "Uwe", kind="student", organisation_id="school-2", email_consent=False
    )
    meeting = (await system.events.post("/events", json=MEETING)).json()
    ag = meeting["topic_tables"][0]["id"]
    link = await links(system, meeting["id"], 2)
    alone = await system.events.post(
        f"/events/{meeting['id']}/registrations", json={"person_id": vera}
    )
    assert alone.status_code == 201  # Vera comes on her own already

    page = (await system.events.get(path_of(link[teacher]))).text
    assert "<legend>Ihre Schülergruppe</legend>" in page
    offered = re.findall(r'name="student" value="([^"]+)">([^<]+)</label>', page)
    assert offered == [(sara, "Sara Beispiel"), (timo, "Timo Beispiel")]  # her school, not Vera
    assert 'name="unnamed_students"' in page and "Gruppe verbindlich anmelden" in page
    assert "Schülergruppe" not in (await system.events.get(path_of(link[anna]))).text

    form = {"action": "register_group", "table": [ag], "unnamed_students": "2"}
    for wrong, text in [
        ({"student": [uwe]}, "können Sie hier nicht anmelden"),  # another school's student
        ({"student": [sara], "unnamed_students": "viele"}, "Zahl von 0 bis 60"),
    ]:
        refused = await system.events.post(path_of(link[teacher]), data={**form, **wrong})
        assert refused.status_code == 422 and text in message_of(refused.text)
    not_a_teacher = await system.events.post(path_of(link[anna]), data=form)
    assert not_a_teacher.status_code == 422
    assert "nur eine Lehrkraft" in message_of(not_a_teacher.text)

    answer = await system.events.post(path_of(link[teacher]), data={**form, "student": [sara]})
    assert answer.status_code == 200 and "Sie sind angemeldet" in message_of(answer.text)
    assert "Ihre Gruppe hat 4 Plätze" in answer.text
    assert "Angemeldete Schüler*innen: Sara Beispiel" in answer.text
    registrations = (await system.events.get(f"/events/{meeting['id']}/registrations")).json()
    group = next(r for r in registrations["items"] if r["person_id"] == teacher)
    assert (group["seats"], group["kind"], group["topic_table_ids"]) == (4, "teacher", [ag])
    assert [s["person_id"] for s in group["group_students"]] == [sara]
    assert group["invitation_id"] is not None
    await eventually(lambda: events_published(system))
    confirmed = [
        e.contract()
        for e in await events_on(system, topics.REGISTRATIONS, meeting["id"])
        if e.type == "aiq.registration.confirmed.v1" and e.contract().person_id == teacher
    ]
    assert confirmed[0].group_students == ["Sara Beispiel"] and confirmed[0].rsvp_url
    twice = await system.events.post(path_of(link[teacher]), data={**form, "student": [timo]})
    assert twice.status_code == 409 and "bereits angemeldet" in message_of(twice.text)
