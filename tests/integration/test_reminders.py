"""Scheduled reminders on real servers: non-responders before the deadline, registrants the
day before (with their check-in code), nothing for a cancelled meeting, nothing twice.

The scheduler's rounds are driven with a chosen "now" (``Reminders.send_due``), so the test
does not wait days; everything else (the database, SMTP, the events) is real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiq_notifications.domain import reminder_moments
from helpers import create_person, deliveries, eventually, mail_to, recipient_known, register

pytestmark = pytest.mark.integration

STARTS = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
DEADLINE = STARTS - timedelta(days=7)
MOMENTS = reminder_moments(STARTS, DEADLINE, days_before_deadline=3, hour=10)


def meeting(title: str) -> dict:
    return {
        "title": title,
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(hours=3)).isoformat(),
        "registration_deadline": DEADLINE.isoformat(),
        "venue": {"name": "Café Durchblick"},
        "capacity": 10,
        "districts": ["Hörde"],
    }


async def published(system, title: str) -> str:
    created = (await system.events.post("/events", json=meeting(title))).json()
    assert (await system.events.post(f"/events/{created['id']}/publish")).status_code == 200
    return created["id"]


async def test_reminders_reach_the_right_people_once(system) -> None:
    anna = await create_person(system, "Anna", "anna.remind@betrieb.example")
    ben = await create_person(system, "Ben", "ben.remind@betrieb.example")
    for person in (anna, ben):
        await eventually(lambda person=person: recipient_known(system, person["id"]))
    meeting_id = await published(system, "Netzwerktreffen Hörde")
    await eventually(lambda: _count(system, "invitation", 2))
    assert (await register(system, meeting_id, anna["id"], [])).status_code == 201
    await eventually(lambda: _count(system, "confirmation", 1))
    reminders = system.apps["notifications"].state.reminders

    before = MOMENTS["reminder"][0] - timedelta(minutes=1)
    assert await reminders.send_due(before) == 0  # not yet
    # three days before the deadline, 10:00 Berlin: Ben has not answered, Anna has
    at = MOMENTS["reminder"][0] + timedelta(minutes=1)
    assert await reminders.send_due(at) == 1
    assert await reminders.send_due(at + timedelta(hours=1)) == 0  # once
    [reminder] = await eventually(lambda: _count(system, "reminder", 1))
    assert reminder["person_id"] == ben["id"]

    # the day before, 10:00 Berlin: Anna, registered, with her check-in code
    assert await reminders.send_due(MOMENTS["day_before"][0]) == 1
    [day_before] = await eventually(lambda: _count(system, "day_before", 1, state="sent"))
    assert day_before["person_id"] == anna["id"]
    assert await reminders.send_due(MOMENTS["day_before"][0] + timedelta(hours=2)) == 0

    [mail] = _mails(system, "anna.remind@betrieb.example", "Morgen")
    assert mail["Subject"] == "Morgen: Netzwerktreffen Hörde"
    assert "Ihr Einlass-Code:" in mail.get_body(("plain",)).get_content()
    assert any(part.get_content_type() == "image/png" for part in mail.walk())
    await eventually(lambda: _count(system, "reminder", 1, state="sent"))
    [mail] = [
        m for m in mail_to(system, "ben.remind@betrieb.example") if "Erinnerung" in m["Subject"]
    ]
    assert "Anmeldeschluss:" in mail.get_body(("plain",)).get_content()


async def test_a_cancelled_meeting_sends_no_reminders(system) -> None:
    carla = await create_person(system, "Carla", "carla.remind@betrieb.example")
    await eventually(lambda: recipient_known(system, carla["id"]))
    meeting_id = await published(system, "Abgesagtes Treffen")
    await eventually(lambda: _count(system, "invitation", 1))
    await system.events.post(f"/events/{meeting_id}/cancel")

    async def cancelled_here() -> bool:
        dashboard = (await system.notifications.get("/dashboards/districts/Hörde")).json()
        return any(
            e["meeting_id"] == meeting_id and e["status"] == "cancelled"
            for e in dashboard["events"]
        )

    await eventually(cancelled_here)
    reminders = system.apps["notifications"].state.reminders
    assert await reminders.send_due(MOMENTS["reminder"][0] + timedelta(minutes=1)) == 0
    assert await reminders.send_due(MOMENTS["day_before"][0]) == 0
    assert await deliveries(system, kind="reminder") == []


async def _count(system, kind: str, expected: int, **params: str) -> list[dict] | None:
    items = await deliveries(system, kind=kind, **params)
    return items if len(items) >= expected else None


def _mails(system, address: str, subject_word: str) -> list:
    return [m for m in mail_to(system, address) if subject_word in m["Subject"]]
