"""The spring Netzwerktreffen of the seed, replayed through the APIs on real servers.

Companies from nine districts are created in contacts, invited by district, and register
through their personal links with topic-table choices; a full table's waitlist moves up on a
cancellation; a school brings a group of students; on the day people check in by code (one at
the check-in desk), someone walks in, one does not come; the meeting is closed and reported.
"""

from __future__ import annotations

import csv
import io

import pytest
from test_events_support import (
    all_pages,
    caught_up,
    events_on,
    events_published,
    message_of,
    new_organisation,
    new_person,
    path_of,
    rsvp,
    wait_for_read_model,
)

from aiq_shared import topics
from helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

DISTRICTS = [
    "Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost", "Eving", "Scharnhorst",
    "Brackel", "Aplerbeck", "Hörde", "Hombruch",
]  # fmt: skip
TABLES = [
    ("Schul-AGs in Unternehmen", 12),
    ("Speed-Woche", 2),  # small on purpose: it fills up
    ("Azubis als Botschafter*innen", 12),
    ("Gute Praktikumsvorbereitung", 12),
    ("Gute Ausbildungsvorbereitung", 12),
    ("Angebote für junge Menschen", 12),
    ("Assistierte Ausbildung (AsA)", 12),
    ("Fachkräfte von morgen", 12),
]
MEETING = {
    "title": "Netzwerktreffen Frühjahr",
    "starts_at": "2027-03-18T16:00:00",  # a Thursday, 16:00, about three hours
    "ends_at": "2027-03-18T19:00:00",
    "registration_deadline": "2027-03-16T12:00:00",
    "venue": {"name": "Café Durchblick", "address": "Dortmund"},
    "capacity": 40,
    "districts": DISTRICTS,
    "agenda": [
        {"kind": "welcome", "title": "Begrüßung"},
        {"kind": "keynote", "title": "Assistierte Ausbildung (Agentur für Arbeit)"},
        {"kind": "topic_tables", "title": "Thementische"},
        {"kind": "informal", "title": "Buffet"},
    ],
    "topic_tables": [{"title": t, "capacity": c} for t, c in TABLES],
}


async def test_spring_network_meeting(contacts_and_events) -> None:
    system = contacts_and_events
    # -- contacts: 27 companies in nine districts, one with two people; some not invitable
    people: dict[str, dict] = {}
    for n, district in enumerate(DISTRICTS * 3):
        company = await new_organisation(system, f"Betrieb {n}", district, "Handwerk")
        person = await new_person(
            system, f"Kontakt{n}", "Beispiel", email=f"kontakt{n}@betrieb.example",
            organisation_id=company["id"], consent=True,
        )  # fmt: skip
        people[person["id"]] = {**person, "company": company}
    first_company = next(iter(people.values()))["company"]
    second = await new_person(
        system, "Zweite", "Person", email="zweite@betrieb.example",
        organisation_id=first_company["id"], consent=True,
    )  # fmt: skip
    people[second["id"]] = {**second, "company": first_company}
    no_consent = await new_person(
        system, "Ohne", "Einwilligung", email="ohne@betrieb.example",
        organisation_id=first_company["id"],
    )  # fmt: skip
    elsewhere = await new_organisation(system, "Anderswo GmbH", "Mengede")
    await new_person(
        system, "Nicht", "Eingeladen", email="mengede@betrieb.example",
        organisation_id=elsewhere["id"], consent=True,
    )  # fmt: skip
    teacher = await new_person(system, "Lehrerin", "Schule", district="Hörde")

    meeting = (await system.events.post("/events", json=MEETING)).json()
    meeting_id = meeting["id"]
    tables = {t["title"]: t["id"] for t in meeting["topic_tables"]}
    await eventually(lambda: caught_up(system), timeout=60)

    # -- invitation preview by district, then publication invites the nine districts
    preview = await wait_for_read_model(system, meeting_id, 28, districts=DISTRICTS)
    assert preview["excluded_no_consent"] == 2  # "Ohne Einwilligung" and the teacher
    assert preview["by_district"]["Hörde"] == 3
    assert sum(preview["by_district"].values()) == 28
    assert "Mengede" not in preview["by_district"]
    published = await system.events.post(f"/events/{meeting_id}/publish")
    assert published.status_code == 200, published.text
    invitations = await all_pages(system.events, f"/events/{meeting_id}/invitations")
    assert len(invitations) == 28
    assert {i["person_id"] for i in invitations} == set(people)
    assert no_consent["id"] not in {i["person_id"] for i in invitations}
    again = await system.events.post(f"/events/{meeting_id}/invitations", json={})
    assert again.json()["invited"] == 0 and again.json()["already_invited"] == 28
    link = {i["person_id"]: i["rsvp_url"] for i in invitations}

    # -- everyone registers through their personal link, choosing tables
    order = sorted(people)
    speed = tables["Speed-Woche"]
    ag = tables["Schul-AGs in Unternehmen"]
    titles = list(tables.values())
    page = await system.events.get(path_of(link[order[0]]))
    assert page.status_code == 200 and "Verbindlich anmelden" in page.text
    assert "Donnerstag, 18. März 2027, 16:00 bis 19:00 Uhr" in page.text
    for n, person_id in enumerate(order):
        chosen = [speed, ag] if n < 3 else [titles[2 + n % 6]]
        answer = await rsvp(system, link[person_id], tables=chosen)
        assert answer.status_code == 200, message_of(answer.text)
        assert "Sie sind angemeldet" in message_of(answer.text)
        if n == 2:  # Speed-Woche has two seats: the third waits there
            assert "Speed-Woche" in answer.text and "Warteliste" in answer.text
    registrations = await all_pages(system.events, f"/events/{meeting_id}/registrations")
    by_person = {r["person_id"]: r for r in registrations}
    third = by_person[order[2]]
    speed_seat = next(s for s in third["table_seats"] if s["topic_table_id"] == speed)
    assert speed_seat["status"] == "waitlisted"

    # a school brings a group: a teacher and four students (counted, not named)
    group = await system.events.post(
        f"/events/{meeting_id}/group-registrations",
        json={"teacher_person_id": teacher["id"], "unnamed_students": 4},
    )
    assert group.status_code == 201, group.text
    assert group.json()["seats"] == 5 and group.json()["status"] == "confirmed"
    assert (await system.events.get(f"/events/{meeting_id}")).json()["seats_taken"] == 33

    # -- the first at Speed-Woche cancels through the link: the table's line moves up
    cancelled = await rsvp(system, link[order[0]], action="cancel")
    assert "storniert" in message_of(cancelled.text)
    moved = (await system.events.get(f"/events/{meeting_id}/registrations/{third['id']}")).json()
    speed_seat = next(s for s in moved["table_seats"] if s["topic_table_id"] == speed)
    assert speed_seat["status"] == "seated"
    listed = {
        i["person_id"]: i["response"]
        for i in await all_pages(system.events, f"/events/{meeting_id}/invitations")
    }
    assert listed[order[0]] == "cancelled" and listed[order[1]] == "confirmed"
    # a change of tables through the link keeps held seats
    changed = await rsvp(system, link[order[1]], action="change", tables=[speed])
    assert "gespeichert" in message_of(changed.text)

    # -- the day: check-in by code, one at the desk, one walk-in, one no-show
    confirmed = [
        r
        for r in await all_pages(
            system.events, f"/events/{meeting_id}/registrations", status="confirmed"
        )
    ]
    absent = next(r for r in confirmed if r["person_id"] == order[5])
    at_desk = next(r for r in confirmed if r["person_id"] == order[6])
    for registration in confirmed:
        if registration["id"] in (absent["id"], at_desk["id"]):
            continue
        arrived = await system.events.post(
            f"/events/{meeting_id}/check-in", json={"code": registration["check_in_code"]}
        )
        assert arrived.status_code == 200 and not arrived.json()["already_checked_in"]
    desk = f"/events/{meeting_id}/check-in-desk"
    found = await system.events.get(desk, params={"q": at_desk["display_name"]})
    assert found.status_code == 200 and at_desk["check_in_code"] in found.text
    checked = await system.events.post(desk, data={"code": at_desk["check_in_code"]})
    assert "ist eingecheckt" in message_of(checked.text)
    assert "Thementisch: " in checked.text
    unknown = await system.events.post(desk, data={"code": "geraten"})
    assert unknown.status_code == 404 and "kennen wir" in message_of(unknown.text)
    walk_in = await system.events.post(
        f"/events/{meeting_id}/walk-ins",
        json={"first_name": "Spontan", "last_name": "Gast", "district": "Eving"},
    )
    assert walk_in.status_code == 201, walk_in.text
    assert walk_in.json()["registration"]["walk_in"] is True
    visit = await system.events.post(
        f"/events/{meeting_id}/table-attendance",
        json={"code": moved["check_in_code"], "topic_table_id": speed},
    )
    assert visit.status_code == 200, visit.text

    closed = await system.events.post(f"/events/{meeting_id}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = await rsvp(system, link[order[7]], action="cancel")
    # the link's purpose is spent once the meeting is closed (issue 11): it has expired
    assert late.status_code == 410 and "abgelaufen" in late.text

    # -- the report
    report = (await system.events.get(f"/events/{meeting_id}/report")).json()
    totals = report["totals"]
    assert totals["invited"] == 28
    assert totals["registered"] == 27 + 1 + 1  # 27 left after the cancellation, group, walk-in
    assert (totals["cancelled"], totals["no_shows"], totals["walk_ins"]) == (1, 1, 1)
    assert totals["attended"] == 28 and totals["people_attending"] == 32
    eving = next(d for d in report["districts"] if d["district"] == "Eving")
    assert eving["walk_ins"] == 1 and eving["invited"] == 3
    speed_line = next(t for t in report["tables"] if t["topic_table_id"] == speed)
    assert (speed_line["seated"], speed_line["attended"]) == (2, 1)
    no_show = next(r for r in report["rows"] if r["registration_id"] == absent["id"])
    assert no_show["no_show"] is True and no_show["checked_in"] is False
    csv_answer = await system.events.get(f"/events/{meeting_id}/report", params={"format": "csv"})
    assert csv_answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_answer.text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == len(report["rows"])
    assert sum(r["Nicht erschienen"] == "ja" for r in rows) == 1
    # the CSV names each company as contacts does, its id in a column of its own
    with_company = [r for r in rows if r["Organisations-ID"]]
    assert len(with_company) == 28  # everyone invited registered once (one cancelled since)
    assert all(r["Organisation"].startswith("Betrieb ") for r in with_company)

    # -- afterwards: a note and follow-ups about a company, for its contact history
    outcome = await system.events.post(
        f"/events/{meeting_id}/outcomes",
        json={
            "outcomes": [
                {
                    "organisation_id": first_company["id"],
                    "note": "Möchte eine Schul-AG anbieten",
                    "follow_ups": [{"kind": "school_ag", "title": "Schul-AG vereinbaren"}],
                    "recorded_by": "officer.hoerde",
                }
            ]
        },
    )
    assert outcome.status_code == 201, outcome.text
    listed_outcomes = (await system.events.get(f"/events/{meeting_id}/outcomes")).json()
    assert listed_outcomes["items"][0]["follow_ups"][0]["kind"] == "school_ag"
    assert listed_outcomes["items"][0]["attended"] is True

    # what other services hear: one no-show, the closing, the outcome for the contact history
    await eventually(lambda: events_published(system))
    registration_events = await events_on(system, topics.REGISTRATIONS, meeting_id)
    no_shows = [e.contract() for e in registration_events if e.type.endswith("no_show.v1")]
    assert [n.registration_id for n in no_shows] == [absent["id"]]
    meeting_events = [e.type for e in await events_on(system, topics.EVENTS, meeting_id)]
    assert meeting_events.count("aiq.invitation.created.v1") == 28
    assert meeting_events[-2:] == ["aiq.meeting.closed.v1", "aiq.meeting.outcome_recorded.v1"]
