"""Invitation campaigns on real servers: the test plays the events service's part (it puts
the campaign and its invitations on Kafka); notifications emails each invitee once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import notifications_alone as alone_harness
import pytest

from aiq_devstack.ports import free_port
from aiq_notifications.dashboards import service as dashboards_service
from aiq_shared.contracts.contacts import PersonErasedV1
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.contracts.meetings import MeetingCancelledV1
from aiq_shared.targeting import ContactFilter
from helpers import (
    create_person,
    deliveries,
    eventually,
    mail_to,
    publish,
    recipient_known,
    settled,
)

pytestmark = pytest.mark.integration

MEETING = {
    "meeting_id": "m-campaign",
    "title": "Netzwerktreffen Hörde",
    "starts_at": "2026-03-19T16:00:00+01:00",
    "ends_at": "2026-03-19T19:00:00+01:00",
    "venue": {"name": "Café Durchblick", "address": "Hörder Bahnhofstr. 1"},
}


def campaign(people: list[dict], campaign_id: str = "c-1") -> list:
    started = InvitationCampaignStartedV1(
        campaign_id=campaign_id,
        meeting=MEETING,
        target=ContactFilter(districts=["Hörde"]),
        total=len(people),
        started_at=datetime.now(UTC),
    )
    invitations = [
        InvitationCreatedV1(
            invitation_id=f"{campaign_id}-inv-{i}",
            campaign_id=campaign_id,
            meeting=MEETING,
            person_id=person["id"],
            rsvp_url=f"http://events.example/rsvp/token-{person['id']}",
            expires_at=datetime.now(UTC) + timedelta(days=30),
            registration_deadline="2026-03-12T23:59:00+01:00",
        )
        for i, person in enumerate(people)
    ]
    return [started, *invitations]


async def invite(alone, count: int, campaign_id: str) -> list:
    """``count`` people of Hörde, known to the service alone, invited by one campaign."""
    people = [alone_harness.person(f"p-{campaign_id}-{i}", f"Person{i}") for i in range(count)]
    await alone.publish(*people)
    for invitee in people:
        await alone.knows(invitee.person_id)
    await alone.publish(*campaign([{"id": p.person_id} for p in people], campaign_id))
    return people


async def test_a_campaign_emails_each_reachable_invitee_once_and_reports_progress(
    system,
) -> None:
    people = [await create_person(system, f"Person{i}", f"p{i}@betrieb.example") for i in range(12)]
    without_consent = await create_person(system, "Ohne", "ohne@betrieb.example", consent=False)
    everyone = [*people, without_consent]
    settings = system.settings["notifications"]

    for person in everyone:  # the contacts events have reached notifications
        await eventually(lambda person=person: recipient_known(system, person["id"]))
    await publish(settings, *campaign(everyone), source="/aiq/events")

    async def finished():
        response = await system.notifications.get("/campaigns/c-1")
        body = response.json() if response.status_code == 200 else {}
        return body if body.get("done") else None

    progress = await eventually(finished, timeout=30)
    assert progress["total"] == 13
    assert progress["sent"] == 12
    assert progress["skipped"] == 1  # no consent: no invitation
    assert progress["failed"] == 0 and progress["pending"] == 0

    # the same campaign again (a replay) and a second campaign: nobody is invited twice
    await publish(settings, *campaign(everyone), source="/aiq/events")
    await publish(settings, *campaign(people[:3], campaign_id="c-2"), source="/aiq/events")

    async def second_done():
        body = (await system.notifications.get("/campaigns/c-2")).json()
        return body if body.get("done") else None

    second = await eventually(second_done)
    assert second["skipped"] == 3 and second["sent"] == 0
    await settled(system.contacts, system.events, system.notifications)  # the replay too
    invitations = await deliveries(system, kind="invitation")
    assert sorted(d["person_id"] for d in invitations) == sorted(p["id"] for p in people)
    listed = (
        await system.notifications.get("/campaigns", params={"event_id": "m-campaign"})
    ).json()
    assert [c["campaign_id"] for c in listed["items"]] == ["c-1", "c-2"]

    [message] = mail_to(system, "p0@betrieb.example")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"http://events.example/rsvp/token-{people[0]['id']}" in text
    assert f'href="http://events.example/rsvp/token-{people[0]["id"]}"' in html
    assert "Anmeldeschluss: Donnerstag, 12. März 2026, 23:59 Uhr" in text
    dashboard = (await system.notifications.get("/dashboards/districts/Hörde")).json()
    assert next(e for e in dashboard["events"] if e["meeting_id"] == "m-campaign")["invited"] == 12


async def test_an_unknown_campaign_is_a_404(system) -> None:
    response = await system.notifications.get("/campaigns/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_move_up_offer_is_emailed_with_the_personal_link(system) -> None:
    from aiq_shared.contracts.registrations import RegistrationMoveUpOfferedV1

    ben = await create_person(system, "Ben", "ben.offer@betrieb.example")
    await eventually(lambda: recipient_known(system, ben["id"]))
    settings = system.settings["notifications"]
    await publish(settings, *campaign([ben], campaign_id="c-offer"), source="/aiq/events")
    await eventually(lambda: mail_to(system, "ben.offer@betrieb.example"))
    offer = RegistrationMoveUpOfferedV1(
        registration_id="r-ben",
        meeting=MEETING,
        person_id=ben["id"],
        display_name="Ben Beispiel",
        district="Hörde",
        topic_table_ids=[],
        status="waitlisted",
        offer_expires_at="2026-03-17T12:00:00+01:00",
        waitlist_position=1,
    )
    await publish(settings, offer, times=2, source="/aiq/events")  # and a redelivery

    async def offered():
        found = [m for m in mail_to(system, "ben.offer@betrieb.example") if "frei" in m["Subject"]]
        return found or None

    [mail] = await eventually(offered)
    assert mail["Subject"] == "Ein Platz ist frei: Netzwerktreffen Hörde"
    text = mail.get_body(("plain",)).get_content()
    assert "bis Dienstag, 17. März 2026, 12:00 Uhr" in text
    assert f"http://events.example/rsvp/token-{ben['id']}" in text
    assert len(await deliveries(system, person_id=ben["id"], kind="move_up_offer")) == 1


async def test_invitations_stopped_by_a_cancellation_are_stopped_not_failed(
    settings_for, smtp_server
) -> None:
    # the mail server is away, so the invitations wait (pending, retried in a minute)
    async with alone_harness.notifications_alone(
        settings_for, smtp_server, smtp_port=free_port(), delivery_backoff_s=60
    ) as alone:
        await invite(alone, 3, "c-stop")

        async def waiting() -> list[dict] | None:
            items = await alone.deliveries(kind="invitation")
            tried = [d for d in items if d["state"] == "pending" and d["attempts"] == 1]
            return items if len(tried) == 3 else None

        await eventually(waiting, timeout=30)
        ready = (await alone.client.get("/ready")).json()["checks"]
        assert ready["deliveries_waiting"] == 3  # /ready tells what is still to be sent
        await alone.publish(
            MeetingCancelledV1(
                **MEETING,
                capacity=20,
                districts=["Hörde"],
                topic_tables=[],
                status="cancelled",
            )
        )

        async def stopped() -> dict | None:
            body = (await alone.client.get("/campaigns/c-stop")).json()
            return body if body["done"] else None

        progress = await eventually(stopped)
        assert (progress["stopped"], progress["failed"], progress["pending"]) == (3, 0, 0)
        items = await alone.deliveries(kind="invitation", state="stopped")
        assert len(items) == 3
        assert {d["stop_reason"] for d in items} == {"meeting cancelled"}
        assert [h["state"] for h in items[0]["history"]] == [
            "pending", "sending", "pending", "stopped",
        ]  # fmt: skip
        assert await alone.deliveries(state="dead") == []
        assert (await alone.client.get("/ready")).json()["checks"]["deliveries_waiting"] == 0
        board = (await alone.client.get("/dashboards/districts/Hörde")).json()
        [event] = [e for e in board["events"] if e["meeting_id"] == "m-campaign"]
        assert event["deliveries"] == {"sent": 0, "pending": 0, "failed": 0, "stopped": 3}


async def test_an_erasure_that_ends_waiting_emails_shows_on_a_kept_dashboard_at_once(
    settings_for, smtp_server, monkeypatch
) -> None:
    """A dashboard read is kept until this process commits a change to what it shows: an
    erasure that makes waiting invitations dead is one (``Deliveries`` sends the signal), so
    the next read shows it, not one ``ANSWER_KEPT_S`` later (made long here to tell)."""
    monkeypatch.setattr(dashboards_service, "ANSWER_KEPT_S", 600.0)
    async with alone_harness.notifications_alone(
        settings_for, smtp_server, smtp_port=free_port(), delivery_backoff_s=60
    ) as alone:
        gone, _ = await invite(alone, 2, "c-gone")

        async def emails(wanted: dict[str, int]) -> dict | None:
            board = (await alone.client.get("/dashboards/districts/Hörde")).json()
            found = [e for e in board["events"] if e["meeting_id"] == "m-campaign"]
            return found[0] if found and found[0]["deliveries"] == wanted else None

        waiting = {"sent": 0, "pending": 2, "failed": 0, "stopped": 0}
        await eventually(lambda: emails(waiting), timeout=30)  # now kept
        await alone.publish(PersonErasedV1(person_id=gone.person_id, erased_at=datetime.now(UTC)))
        await eventually(lambda: alone.deliveries(person_id=gone.person_id, state="dead"))
        one_dead = {"sent": 0, "pending": 1, "failed": 1, "stopped": 0}
        assert await emails(one_dead) is not None
