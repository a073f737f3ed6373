"""A published meeting moved to another day, then cancelled: everyone registered is told, and
calendar entries are replaced in place (same UID, higher SEQUENCE) and finally withdrawn."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from icalendar import Calendar

from helpers import create_person, deliveries, eventually, local, register, upcoming

pytestmark = pytest.mark.integration

START, END = upcoming(days=30)  # a meeting that has ended can't be published
MOVED = START + timedelta(days=7)  # a week later, same wall-clock time
MEETING = {
    "title": "Netzwerktreffen Hörde",
    "starts_at": local(START),
    "ends_at": local(END),
    "venue": {"name": "Café Durchblick"},
    "capacity": 1,
    "districts": ["Hörde"],
}


def calendars_to(system, address: str) -> list[Calendar]:
    found = []
    for raw in system.mail.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        if address not in message["To"]:
            continue
        for part in message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                content = part.get_content()
                found.append(Calendar.from_ical(content))
    return found


async def test_registrants_hear_of_a_move_and_of_a_cancellation(system) -> None:
    anna = await create_person(system, "Anna", "anna.move@betrieb.example")
    ben = await create_person(system, "Ben", "ben.move@betrieb.example")
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await system.events.post(f"/events/{meeting['id']}/publish")
    assert (await register(system, meeting["id"], anna["id"], [])).json()["status"] == "confirmed"
    assert (await register(system, meeting["id"], ben["id"], [])).json()["status"] == "waitlisted"
    await eventually(lambda: _count(system, meeting["id"], "confirmation", 1))
    await eventually(lambda: _count(system, meeting["id"], "waitlist", 1))

    moved = await system.events.patch(
        f"/events/{meeting['id']}",
        json={"starts_at": local(MOVED), "ends_at": local(END + timedelta(days=7))},
    )
    assert moved.status_code == 200
    assert moved.json()["sequence"] == 1
    await eventually(lambda: _count(system, meeting["id"], "change", 2))

    await eventually(lambda: len(calendars_to(system, "anna.move@")) == 2)
    original, update = calendars_to(system, "anna.move@")
    (first,), (second,) = original.walk("VEVENT"), update.walk("VEVENT")
    assert str(first["UID"]) == str(second["UID"])  # replaces the entry in place
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (0, 1)
    assert second.decoded("DTSTART").isoformat() == MOVED.isoformat()
    assert update["METHOD"] == "REQUEST"
    assert calendars_to(system, "ben.move@") == []  # waitlisted: told, but no calendar entry

    assert (await system.events.post(f"/events/{meeting['id']}/cancel")).status_code == 200
    await eventually(lambda: _count(system, meeting["id"], "cancellation", 2))
    await eventually(lambda: len(calendars_to(system, "anna.move@")) == 3)
    withdrawal = calendars_to(system, "anna.move@")[-1]
    (entry,) = withdrawal.walk("VEVENT")
    assert withdrawal["METHOD"] == "CANCEL"
    assert entry["SEQUENCE"] == 2 and str(entry["UID"]) == str(first["UID"])

    late = await system.events.post(
        f"/events/{meeting['id']}/registrations", json={"person_id": ben["id"]}
    )
    assert late.status_code == 409
    again = await system.events.patch(f"/events/{meeting['id']}", json={"title": "Neu"})
    assert again.status_code == 409
    dashboard = (await system.notifications.get("/dashboards/districts/Hörde")).json()
    assert dashboard["events"][0]["status"] == "cancelled"


async def _count(system, meeting_id: str, kind: str, expected: int) -> bool:
    sent = [
        d for d in await deliveries(system, event_id=meeting_id, kind=kind) if d["state"] == "sent"
    ]
    return len(sent) == expected


async def test_a_quiet_change_reaches_the_dashboards_without_an_email(system) -> None:
    """Capacity and districts of a published meeting: nobody registered is emailed, but the
    notifications service's copy follows (its dashboards are scoped by those districts)."""
    anna = await create_person(system, "Anna", "anna.quiet@betrieb.example")
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await system.events.post(f"/events/{meeting['id']}/publish")
    assert (await register(system, meeting["id"], anna["id"], [])).json()["status"] == "confirmed"
    await eventually(lambda: _count(system, meeting["id"], "confirmation", 1))

    changed = await system.events.patch(
        f"/events/{meeting['id']}", json={"capacity": 5, "districts": ["Hörde", "Eving"]}
    )
    assert changed.status_code == 200 and changed.json()["sequence"] == 0  # no news to tell

    async def on_the_eving_dashboard() -> dict | None:
        board = (await system.notifications.get("/dashboards/districts/Eving")).json()
        return next((e for e in board["events"] if e["meeting_id"] == meeting["id"]), None)

    shown = await eventually(on_the_eving_dashboard)
    assert shown["capacity"] == 5
    assert await deliveries(system, event_id=meeting["id"], kind="change") == []
