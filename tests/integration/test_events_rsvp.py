"""The personal RSVP page and the rules behind it, on real servers (the events service alone; the
people it knows arrive on aiq.contacts as the contacts service would send them).

Refusals are German pages with 4xx, never a 500: a forged or expired link, a passed deadline, a
cancelled meeting. Ranked tables are placed by the assignment step; a waitlist move-up can be an
offer that expires and passes on; a school group waits and moves up as one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from test_events_support import (
    events_fixture,
    events_on,
    events_published,
    links,
    message_of,
    path_of,
    people,
    rsvp,
)

from aiq_shared import topics
from helpers import eventually

pytestmark = pytest.mark.integration

FUTURE = {
    "title": "Netzwerktreffen Hombruch",
    "starts_at": "2027-04-15T16:00:00",
    "ends_at": "2027-04-15T19:00:00",
    "venue": {"name": "Bürgerhaus"},
    "capacity": 2,
    "districts": ["Hombruch"],
    "topic_tables": [
        {"title": "Schul-AGs", "capacity": 1, "description": "Unternehmen gehen in Schulen"},
        {"title": "Speed-Woche", "capacity": 1},
        {"title": "Azubis als Botschafter*innen", "capacity": 5},
    ],
}


events = events_fixture()  # the events service alone
frozen_events = events_fixture(frozen=True)  # ... on a clock that moves when the test says


async def test_refusals_are_german_pages_never_server_errors(events) -> None:
    system = events
    (anna,) = await people(system, "Anna")
    late = {**FUTURE, "registration_deadline": "2026-11-01T12:00:00"}
    closed = (await system.events.post("/events", json=late)).json()
    link = (await links(system, closed["id"], 1))[anna]
    page = await system.events.get(path_of(link))
    assert page.status_code == 200 and "Anmeldefrist ist abgelaufen" in message_of(page.text)
    assert "Verbindlich anmelden" not in page.text
    refused = await rsvp(system, link)
    assert refused.status_code == 409 and "Anmeldefrist" in message_of(refused.text)
    # at the door the deadline does not count: a walk-in is registered and checked in
    door = await system.events.post(f"/events/{closed['id']}/walk-ins", json={"person_id": anna})
    assert door.status_code == 201 and door.json()["registration"]["checked_in_at"]

    # a meeting on right now, ending in a few seconds: published in time, then it is over
    # (a meeting that has ended can't be published, so this is how a link expires)
    now = datetime.now(UTC)
    ending = {**FUTURE, "starts_at": (now - timedelta(hours=1)).isoformat(),
              "ends_at": (now + timedelta(seconds=4)).isoformat()}  # fmt: skip
    over = (await system.events.post("/events", json=ending)).json()
    expired = (await links(system, over["id"], 1))[anna]
    page = await eventually(lambda: _answer(system, expired, 410), timeout=20)
    assert "abgelaufen" in message_of(page.text)
    assert page.headers["content-type"].startswith("text/html")
    too_late = await system.events.post(f"/events/{over['id']}/invitations", json={})
    assert too_late.status_code == 409 and too_late.json()["reason"] == "ended"
    moved = await system.events.patch(
        f"/events/{over['id']}",
        json={"starts_at": "2027-03-18T16:00:00", "ends_at": "2027-03-18T19:00:00"},
    )
    assert moved.status_code == 200
    assert (await system.events.get(path_of(expired))).status_code == 200  # moved later: valid
    forged = await system.events.get("/rsvp/eyJhbGciOiJIUzI1NiJ9.e30.forged")
    assert forged.status_code == 400 and "ungültig" in message_of(forged.text)
    assert (
        await system.events.post("/rsvp/kaputt", data={"action": "register"})
    ).status_code == 400

    meeting = (await system.events.post("/events", json=FUTURE)).json()
    link = (await links(system, meeting["id"], 1))[anna]
    assert (await system.events.post(f"/events/{meeting['id']}/cancel")).status_code == 200
    page = await system.events.get(path_of(link))
    assert "abgesagt" in message_of(page.text)
    refused = await rsvp(system, link)
    assert refused.status_code == 409 and "abgesagt" in message_of(refused.text)


async def test_the_page_is_accessible_and_choices_respect_table_capacity(events) -> None:
    system = events
    anna, ben, cem = await people(system, "Anna", "Ben", "Cem")
    meeting = (await system.events.post("/events", json=FUTURE)).json()
    ag, speed, azubi = (t["id"] for t in meeting["topic_tables"])
    link = await links(system, meeting["id"], 3)
    page = (await system.events.get(path_of(link[anna]))).text
    assert '<html lang="de">' in page and "<h1>" in page and 'name="viewport"' in page
    for field in re.findall(r'<input type="checkbox" id="([^"]+)"', page):
        assert f'<label for="{field}">' in page  # every box has its label
    assert "<script" not in page
    assert "Unternehmen gehen in Schulen" in page

    first = await rsvp(system, link[anna], tables=[ag, azubi])
    assert "Sie sind angemeldet" in message_of(first.text)
    second = await rsvp(system, link[ben], tables=[ag])
    assert "„Schul-AGs“ ist kein Platz mehr frei" in second.text
    twice = await rsvp(system, link[ben])
    assert twice.status_code == 409 and "bereits angemeldet" in message_of(twice.text)
    third = await rsvp(system, link[cem], tables=[speed])
    assert "Warteliste" in message_of(third.text)  # the meeting has two seats

    # Anna gives up Schul-AGs: Ben, first in that table's line, gets her seat
    changed = await rsvp(system, link[anna], action="change", tables=[azubi])
    assert "gespeichert" in message_of(changed.text)
    listed = (await system.events.get(f"/events/{meeting['id']}/registrations")).json()["items"]
    ben_seats = next(r for r in listed if r["person_id"] == ben)["table_seats"]
    assert [(s["topic_table_id"], s["status"]) for s in ben_seats] == [(ag, "seated")]
    # Anna cancels: Cem moves up to the meeting and gets Speed-Woche
    await rsvp(system, link[anna], action="cancel")
    cem_now = await system.events.get(path_of(link[cem]))
    assert "Sie sind <strong>angemeldet</strong>" in cem_now.text
    assert "Speed-Woche – Platz sicher" in cem_now.text


async def test_ranked_tables_are_assigned_in_registration_order(events) -> None:
    system = events
    names = ["Anna", "Ben", "Cem", "Dora"]
    ids = await people(system, *names)
    ranked = {**FUTURE, "capacity": 10, "table_selection": "rank",
              "rounds": [{"title": "Runde 1"}, {"title": "Runde 2"}]}  # fmt: skip
    meeting = (await system.events.post("/events", json=ranked)).json()
    ag, speed, azubi = (t["id"] for t in meeting["topic_tables"])
    link = await links(system, meeting["id"], 4)
    page = (await system.events.get(path_of(link[ids[0]]))).text
    assert f'<select id="rank-{ag}" name="rank_{ag}">' in page
    for pid in ids:  # everyone: 1. Schul-AGs, 2. Speed-Woche, 3. Azubis
        answer = await system.events.post(
            path_of(link[pid]),
            data={"action": "register", f"rank_{ag}": "1", f"rank_{speed}": "2",
                  f"rank_{azubi}": "3"},
        )  # fmt: skip
        assert answer.status_code == 200, message_of(answer.text)
    twice = await system.events.post(
        path_of(link[ids[0]]), data={"action": "change", f"rank_{ag}": "1", f"rank_{speed}": "1"}
    )
    assert twice.status_code == 422 and "jede Wahl nur einmal" in message_of(twice.text)

    assignment = await system.events.post(f"/events/{meeting['id']}/table-assignment")
    assert assignment.status_code == 200, assignment.text
    placed = {r["registration_id"]: r["table_seats"] for r in assignment.json()["registrations"]}
    order = [r["registration_id"] for r in assignment.json()["registrations"]]
    first, second, third = (placed[o] for o in order[:3])
    assert [(s["round"], s["topic_table_id"]) for s in first] == [(1, ag), (2, speed)]
    assert [(s["round"], s["topic_table_id"]) for s in second] == [(1, speed), (2, ag)]
    assert third[0]["explanation"] == "Runde 1: 3. Wahl „Azubis als Botschafter*innen“ " + (
        "(voll: „Schul-AGs“, „Speed-Woche“)"
    )
    again = await system.events.post(f"/events/{meeting['id']}/table-assignment")
    assert again.json() == assignment.json()  # deterministic
    choose = (await system.events.post("/events", json=FUTURE)).json()
    refused = await system.events.post(f"/events/{choose['id']}/table-assignment")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"


async def test_a_move_up_offer_expires_and_passes_to_the_next(frozen_events) -> None:
    system = frozen_events
    anna, ben, cem = await people(system, "Anna", "Ben", "Cem")
    offering = {**FUTURE, "capacity": 1, "move_up_offer_hours": 24}
    meeting = (await system.events.post("/events", json=offering)).json()
    link = await links(system, meeting["id"], 3)
    for pid in (anna, ben, cem):
        await rsvp(system, link[pid])
    await rsvp(system, link[anna], action="cancel")
    ben_page = await system.events.get(path_of(link[ben]))
    assert "Platz annehmen" in ben_page.text
    # the offer's event carries Ben's link, so the email can offer to accept
    await eventually(lambda: events_published(system))
    offered = [
        e.contract()
        for e in await events_on(system, topics.REGISTRATIONS, meeting["id"])
        if e.type == "aiq.registration.move_up_offered.v1"
    ]
    assert [o.rsvp_url for o in offered] == [link[ben]] and offered[0].offer_expires_at
    # a day later Ben has not answered: the offer passes to Cem
    system.clock.advance(timedelta(hours=25))
    assert await system.registrations.expire_offers() == 1
    cem_page = await system.events.get(path_of(link[cem]))
    assert "Platz annehmen" in cem_page.text
    ben_page = await system.events.get(path_of(link[ben]))
    assert "Verbindlich anmelden" in ben_page.text  # his registration lapsed
    accepted = await rsvp(system, link[cem], action="accept")
    assert "angenommen" in message_of(accepted.text)
    stored = (await system.events.get(f"/events/{meeting['id']}")).json()
    assert stored["seats_taken"] == 1
    # each cancellation says who or what cancelled: Anna herself, Ben's lapsed offer
    await eventually(lambda: events_published(system))
    cancelled = [
        e.contract()
        for e in await events_on(system, topics.REGISTRATIONS, meeting["id"])
        if e.type == "aiq.registration.cancelled.v1"
    ]
    assert [(c.person_id, c.reason, c.previous_status) for c in cancelled] == [
        (anna, "person", "confirmed"),
        (ben, "offer_expired", "waitlisted"),
    ]


async def test_a_school_group_waits_and_moves_up_as_one(events) -> None:
    system = events
    (teacher,) = await people(system, "Lehrerin", kind="teacher")
    students = await people(system, "Schueler1", "Schueler2", kind="student")
    (anna,) = await people(system, "Anna")
    meeting = (await system.events.post("/events", json={**FUTURE, "capacity": 4})).json()
    await links(system, meeting["id"], 4)
    await eventually(lambda: _known(system, meeting["id"], anna))
    single = await system.events.post(
        f"/events/{meeting['id']}/registrations", json={"person_id": anna}
    )
    assert single.json()["status"] == "confirmed"
    group = await system.events.post(
        f"/events/{meeting['id']}/group-registrations",
        json={"teacher_person_id": teacher, "student_person_ids": students, "unnamed_students": 1},
    )
    body = group.json()
    assert group.status_code == 201 and body["seats"] == 4 and body["status"] == "waitlisted"
    assert [s["display_name"] for s in body["group_students"]] == [
        "Schueler1 Beispiel",
        "Schueler2 Beispiel",
    ]
    alone = await system.events.post(
        f"/events/{meeting['id']}/registrations", json={"person_id": students[0]}
    )
    assert alone.status_code == 409 and alone.json()["registration_id"] == body["id"]
    await system.events.post(f"/events/{meeting['id']}/registrations/{single.json()['id']}/cancel")
    moved = (await system.events.get(f"/events/{meeting['id']}/registrations/{body['id']}")).json()
    assert moved["status"] == "confirmed"
    assert (await system.events.get(f"/events/{meeting['id']}")).json()["seats_taken"] == 4
    desk = await system.events.get(
        f"/events/{meeting['id']}/check-in-desk", params={"q": "schueler2"}
    )
    assert "Gruppe, 4 Personen" in desk.text
    walked = await system.events.post(
        f"/events/{meeting['id']}/check-in-desk/walk-in",
        data={"first_name": "Neu", "last_name": "Dazu", "district": "Hombruch", "kind": "guest"},
    )
    assert "Willkommen: Neu Dazu (Hombruch) ist eingecheckt" in message_of(walked.text)
    assert "1 von 2 Angemeldeten eingecheckt" in walked.text  # the group has not arrived yet
    incomplete = await system.events.post(
        f"/events/{meeting['id']}/check-in-desk/walk-in", data={"first_name": "Nur"}
    )
    assert incomplete.status_code == 422 and "Nachname" in message_of(incomplete.text)


async def _known(system, meeting_id: str, person_id: str) -> bool:
    preview = (
        await system.events.post(f"/events/{meeting_id}/invitations/preview", json={})
    ).json()
    return preview["already_invited"] >= 1


async def _answer(system, link: str, status: int):
    page = await system.events.get(path_of(link))
    return page if page.status_code == status else None
