"""Notifications on real servers: one email per event however often it arrives; SMTP trouble."""

from __future__ import annotations

import pytest
from notifications_alone import notifications_alone

from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from helpers import create_person, deliveries, eventually, publish, settled

pytestmark = pytest.mark.integration


def confirmation(person: dict) -> RegistrationConfirmedV1:
    return RegistrationConfirmedV1(
        registration_id="r-twice",
        meeting={
            "meeting_id": "m-twice",
            "title": "Netzwerktreffen",
            "starts_at": "2026-03-19T16:00:00+01:00",
            "ends_at": "2026-03-19T19:00:00+01:00",
            "venue": {"name": "Café Durchblick"},
        },
        person_id=person["id"],
        display_name="Anna Beispiel",
        district="Hörde",
        topic_table_ids=[],
        status="confirmed",
    )


async def test_the_same_event_delivered_twice_yields_one_email(system) -> None:
    person = await create_person(system, "Anna", "anna.twice@betrieb.example")
    # a redelivery after a crash looks exactly like this
    await publish(system.settings["notifications"], confirmation(person), times=2)

    async def sent():
        items = await deliveries(system, person_id=person["id"], state="sent")
        return items or None

    items = await eventually(sent)
    # both copies read and handled, nothing left to send: a second email would be here
    await settled(system.contacts, system.events, system.notifications)
    assert len(await deliveries(system, person_id=person["id"])) == 1
    assert len(items) == 1
    to_anna = [m for m in system.mail.messages if b"anna.twice@" in m]
    assert len(to_anna) == 1


async def test_the_consumers_keep_their_names(settings_for, smtp_server) -> None:
    # a consumer's name is its Kafka consumer group and the key of its dedupe records: under
    # a new name it would read every topic again from the start, as events never seen
    async with notifications_alone(settings_for, smtp_server) as alone:
        checks = (await alone.client.get("/ready")).json()["checks"]
    assert set(checks["consumers"]) == {
        "notifications.contacts",
        "notifications.meetings",
        "notifications.registrations",
    }
