"""A registration's whole path on real servers: events -> Kafka -> emails and dashboard."""

from __future__ import annotations

import asyncio

import pytest
from test_events_support import german_day, publish_contacts_events

from aiq_shared.contracts.contacts import PersonCreatedV1
from helpers import (
    create_person,
    deliveries,
    eventually,
    local,
    parsed,
    recipient_known,
    register,
    upcoming,
)

pytestmark = pytest.mark.integration

START, END = upcoming(days=30)  # a meeting that has ended can't be published
MEETING = {
    "title": "Netzwerktreffen Hörde",
    "starts_at": local(START),
    "ends_at": local(END),
    "venue": {"name": "Café Durchblick", "address": "Dortmund"},
    "capacity": 1,
    "districts": ["Hörde"],
    "topic_tables": [
        {"title": "Schul-AGs in Unternehmen", "capacity": 10},
        {"title": "Speed-Woche", "capacity": 10},
    ],
}


async def test_invitation_confirmation_waitlist_and_move_up(system) -> None:
    anna = await create_person(system, "Anna", "anna@betrieb.example")
    ben = await create_person(system, "Ben", "ben@betrieb.example")
    await create_person(system, "Ohne", "ohne@betrieb.example", consent=False)

    meeting = (await system.events.post("/events", json=MEETING)).json()
    assert meeting["starts_at"] == START.isoformat()  # Europe/Berlin, with its offset
    tables = [t["id"] for t in meeting["topic_tables"]]
    # registration opens only with publication
    early = await system.events.post(
        f"/events/{meeting['id']}/registrations", json={"person_id": anna["id"]}
    )
    assert early.status_code == 409

    # invitations go to the recipients notifications knows when the meeting is published
    await eventually(lambda: recipient_known(system, anna["id"]))
    await eventually(lambda: recipient_known(system, ben["id"]))
    # ... and the events service, which chooses whom to invite, knows them too
    await eventually(lambda: _would_invite(system, meeting["id"], 2))
    assert (await system.events.post(f"/events/{meeting['id']}/publish")).status_code == 200
    invited = (await system.events.get(f"/events/{meeting['id']}/invitations")).json()["items"]
    assert {i["person_id"] for i in invited} == {anna["id"], ben["id"]}
    assert all(i["response"] == "open" and "/rsvp/" in i["rsvp_url"] for i in invited)

    invitations = await eventually(
        lambda: _sent(system, 2, event_id=meeting["id"], kind="invitation")
    )
    assert {d["email"] for d in invitations} == {"anna@betrieb.example", "ben@betrieb.example"}

    first = await register(system, meeting["id"], anna["id"], [tables[0]])
    assert first.status_code == 201 and first.json()["status"] == "confirmed", first.text
    second = await register(system, meeting["id"], ben["id"], [tables[1]])
    assert second.json()["status"] == "waitlisted"
    twice = await system.events.post(
        f"/events/{meeting['id']}/registrations", json={"person_id": anna["id"]}
    )
    assert twice.status_code == 409

    await eventually(lambda: _sent(system, 1, person_id=anna["id"], kind="confirmation"))
    await eventually(lambda: _sent(system, 1, person_id=ben["id"], kind="waitlist"))

    cancelled = await system.events.post(
        f"/events/{meeting['id']}/registrations/{first.json()['id']}/cancel"
    )
    assert cancelled.json()["status"] == "cancelled"
    moved = (
        await system.events.get(f"/events/{meeting['id']}/registrations/{second.json()['id']}")
    ).json()
    assert moved["status"] == "confirmed"
    await eventually(lambda: _sent(system, 1, person_id=ben["id"], kind="promotion"))

    dashboard = await eventually(lambda: _dashboard_settled(system))
    counts = dashboard["events"][0]
    assert (counts["invited"], counts["registered"], counts["waitlisted"], counts["cancelled"]) == (
        2,
        1,
        0,
        1,
    )
    per_table = {t["title"]: t["registrations"] for t in counts["topic_tables"]}
    assert per_table == {"Schul-AGs in Unternehmen": 0, "Speed-Woche": 1}

    # the emails themselves, as the SMTP server received them: 6, each once (two invitations,
    # Anna's confirmation and her cancellation's, Ben's waitlist and move-up)
    await eventually(lambda: len(system.mail.messages) >= 6)
    await asyncio.sleep(0.5)
    messages = parsed(system.mail.messages)
    assert len(messages) == 6
    assert len({m["Message-ID"] for m in messages}) == 6
    to_anna = [m for m in messages if "anna@" in m["To"]]
    assert sum(m["Subject"].startswith("Absage erhalten") for m in to_anna) == 1
    confirmation = next(m for m in to_anna if m["Subject"].startswith("Anmeldung bestätigt"))
    text = confirmation.get_body(("plain",)).get_content()
    html = confirmation.get_body(("html",)).get_content()
    assert f"{german_day(START)}, 16:00 bis 19:00 Uhr" in text
    assert "Café Durchblick" in html and "Schul-AGs in Unternehmen" in html
    ics = next(p for p in confirmation.iter_attachments() if p.get_filename() == "termin.ics")
    calendar = ics.get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "METHOD:REQUEST" in calendar
    assert f"UID:{meeting['id']}@" in calendar
    assert f"DTSTART;TZID=Europe/Berlin:{START:%Y%m%dT%H%M%S}" in calendar
    assert not any("ohne@" in m["To"] for m in messages)  # no consent, no invitation

    # on the day: Ben (moved up) shows the code from his confirmation at the door
    to_ben = [m for m in messages if "ben@" in m["To"]]
    moved_up = next(m for m in to_ben if "nachgerückt" in m.get_body(("plain",)).get_content())
    assert any(p.get_content_type() == "image/png" for p in moved_up.walk())
    code = next(
        line.split(": ", 1)[1]
        for line in moved_up.get_body(("plain",)).get_content().splitlines()
        if line.startswith("Ihr Einlass-Code: ")
    )
    door = f"/events/{meeting['id']}/check-in"
    arrived = await system.events.post(door, json={"code": code})
    assert arrived.status_code == 200 and arrived.json()["already_checked_in"] is False
    assert arrived.json()["registration"]["checked_in_at"] is not None
    again = await system.events.post(door, json={"code": code})
    assert again.json()["already_checked_in"] is True
    assert (await system.events.post(door, json={"code": "guessed"})).status_code == 404
    await eventually(lambda: _dashboard_value(system, "checked_in", 1))


async def test_capacity_holds_under_concurrent_registrations(contacts_and_events) -> None:
    """200 registrations at once for 50 seats: exactly 50 confirmed, 150 waitlisted in order."""
    system = contacts_and_events
    # the 200 people as the contacts service announces them (at once, not 200 API calls)
    people = [{"id": f"{0xCA9AC17E << 64 | i:024x}"} for i in range(200)]
    await publish_contacts_events(
        system,
        *(
            PersonCreatedV1(
                person_id=p["id"], first_name=f"P{i}", last_name="Andrang", district="Hörde"
            )
            for i, p in enumerate(people)
        ),
    )
    meeting = (await system.events.post("/events", json={**MEETING, "capacity": 50})).json()
    await system.events.post(f"/events/{meeting['id']}/publish")
    # wait until the events service has read all 200 from aiq.contacts (its lag alone may
    # read 0 before its consumer has seen the new records)
    await eventually(lambda: _would_match(system, meeting["id"], len(people)), timeout=60)
    results = await asyncio.gather(
        *(
            system.events.post(
                f"/events/{meeting['id']}/registrations", json={"person_id": p["id"]}
            )
            for p in people
        )
    )
    assert {r.status_code for r in results} == {201}
    statuses = [r.json()["status"] for r in results]
    assert statuses.count("confirmed") == 50
    assert statuses.count("waitlisted") == 150
    seqs = sorted(r.json()["waitlist_seq"] for r in results if r.json()["status"] == "waitlisted")
    assert seqs == list(range(1, 151))
    stored = (await system.events.get(f"/events/{meeting['id']}")).json()
    assert stored["seats_taken"] == 50


async def _would_match(system, meeting_id: str, count: int) -> bool:
    preview = await system.events.post(f"/events/{meeting_id}/invitations/preview", json={})
    return preview.json()["matched"] == count


async def _would_invite(system, meeting_id: str, count: int) -> bool:
    preview = await system.events.post(f"/events/{meeting_id}/invitations/preview", json={})
    return preview.json()["eligible"] == count


async def _sent(system, count: int, **params) -> list[dict] | None:
    items = [d for d in await deliveries(system, **params) if d["state"] == "sent"]
    return items if len(items) == count else None


async def _dashboard_value(system, field: str, expected: int) -> bool:
    dashboard = (await system.notifications.get("/dashboards/districts/Hörde")).json()
    return bool(dashboard["events"]) and dashboard["events"][0][field] == expected


async def _dashboard_settled(system) -> dict | None:
    dashboard = (await system.notifications.get("/dashboards/districts/Hörde")).json()
    if not dashboard["events"]:
        return None
    counts = dashboard["events"][0]
    return dashboard if counts["cancelled"] == 1 and counts["registered"] == 1 else None
