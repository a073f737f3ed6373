"""Scheduled reminders on real servers: non-responders before the deadline, registrants the
day before (with their check-in code), nothing for a cancelled meeting, nothing twice.

The scheduler's rounds are driven with a chosen "now" (``Scheduler.send_due``), or the
service runs on a clock the test sets (``create_app(settings, clock=...)``), so the test does
not wait days; everything else (the database, SMTP, the events) is real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import notifications_alone as alone_harness
import pytest

from aiq_notifications.reminders.rules import reminder_moments
from aiq_shared.clock import FrozenClock
from aiq_shared.contracts.invitations import InvitationCreatedV1, InvitationDeclinedV1
from aiq_shared.contracts.meetings import MeetingPublishedV1, MeetingSummary
from helpers import (
    create_person,
    deliveries,
    eventually,
    mail_to,
    recipient_known,
    register,
    settled,
)

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


async def test_the_reminder_offers_to_decline_and_a_decline_stops_it(settings_for, smtp_server):
    async with alone_harness.notifications_alone(settings_for, smtp_server) as alone:
        meeting = MeetingPublishedV1(
            meeting_id="m-decline",
            title="Netzwerktreffen Eving",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=3),
            registration_deadline=DEADLINE,
            venue={"name": "Café Durchblick"},
            capacity=10,
            districts=["Eving"],
            topic_tables=[],
            status="published",
        )
        dana = alone_harness.person("p-dana", "Dana", district="Eving")
        emre = alone_harness.person("p-emre", "Emre", district="Eving")
        await alone.publish(meeting, dana, emre)
        await alone.knows(dana.person_id)
        await alone.knows(emre.person_id)
        await eventually(lambda: alone.stored("meetings", "m-decline"))
        summary = MeetingSummary.model_validate(meeting.model_dump())
        invitations = [
            InvitationCreatedV1(
                invitation_id=f"inv-{who.person_id}",
                campaign_id="c-decline",
                meeting=summary,
                person_id=who.person_id,
                rsvp_url=f"http://events.example/rsvp/{who.person_id}",
                decline_url=f"http://events.example/rsvp/{who.person_id}/decline",
                expires_at=STARTS,
                registration_deadline=DEADLINE,
            )
            for who in (dana, emre)
        ]
        declined = InvitationDeclinedV1(
            invitation_id="inv-p-emre",
            meeting_id="m-decline",
            person_id=emre.person_id,
            declined_at=datetime.now(UTC),
        )
        await alone.publish(*invitations, declined)
        await eventually(lambda: _declined(alone, "inv-p-emre"))
        [invitation] = await eventually(lambda: alone.mail_to(str(dana.email)))
        assert "http://events.example/rsvp/p-dana/decline" in alone_harness.text(invitation)

        reminders = alone.app.state.reminders
        assert await reminders.send_due(MOMENTS["reminder"][0] + timedelta(minutes=1)) == 1
        [reminder] = await eventually(lambda: alone.deliveries(kind="reminder", state="sent"))
        assert reminder["person_id"] == dana.person_id  # Emre said no: no reminder
        [mail] = [m for m in alone.mail_to(str(dana.email)) if "Erinnerung" in m["Subject"]]
        body = alone_harness.text(mail)
        assert "mit einem Klick ab, und wir erinnern Sie nicht mehr:\n" in body
        assert "http://events.example/rsvp/p-dana/decline" in body
        assert 'href="http://events.example/rsvp/p-dana/decline"' in alone_harness.html(mail)


async def _declined(alone, invitation_id: str) -> bool:
    invitation = await alone.stored("invitations", invitation_id)
    return bool(invitation and invitation.get("declined_at") and invitation.get("decline_url"))


async def test_the_scheduler_reminds_when_the_services_clock_reaches_the_moment(
    settings_for, smtp_server
) -> None:
    clock = FrozenClock(MOMENTS["reminder"][0] - timedelta(days=2))
    async with alone_harness.notifications_alone(
        settings_for, smtp_server, clock=clock, scheduler_poll_interval_s=0.2
    ) as alone:
        meeting = MeetingPublishedV1(
            meeting_id="m-clock",
            title="Netzwerktreffen Innenstadt-Nord",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=3),
            registration_deadline=DEADLINE,
            venue={"name": "Café Durchblick"},
            capacity=10,
            districts=["Innenstadt-Nord"],
            topic_tables=[],
            status="published",
        )
        fay = alone_harness.person("p-fay", "Fay", district="Innenstadt-Nord")
        await alone.publish(meeting, fay)
        await alone.knows(fay.person_id)
        await eventually(lambda: alone.stored("meetings", "m-clock"))
        await alone.publish(
            InvitationCreatedV1(
                invitation_id="inv-fay",
                campaign_id="c-clock",
                meeting=MeetingSummary.model_validate(meeting.model_dump()),
                person_id=fay.person_id,
                rsvp_url="http://events.example/rsvp/p-fay",
                expires_at=STARTS,
                registration_deadline=DEADLINE,
            )
        )
        await eventually(lambda: alone.deliveries(kind="invitation", state="sent"))
        assert await alone.deliveries(kind="reminder") == []  # two days early

        clock.set(MOMENTS["reminder"][0] + timedelta(minutes=1))  # the leased worker's next tick
        [reminder] = await eventually(lambda: alone.deliveries(kind="reminder", state="sent"))
        assert reminder["person_id"] == fay.person_id
        assert reminder["created_at"] == clock.now().isoformat().replace("+00:00", "Z")
        await settled(alone.client)  # the scheduler ticked on: still one reminder
        assert len(await alone.deliveries(kind="reminder")) == 1
