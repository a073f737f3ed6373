"""The emails registrants expect, on real servers (issue 9): who signs them, what they say
about the programme and the topic tables, cancellations, school groups, and walk-ins that
hold nobody up. The test plays the contacts and events services (their events on Kafka)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from notifications_alone import (
    MEETING,
    html,
    notifications_alone,
    organisation,
    person,
    registration,
    text,
)

from aiq_notifications.domain import BERLIN, reminder_moments
from aiq_shared.contracts.meetings import MeetingPublishedV1, MeetingSummary
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def notifications(settings_for, smtp_server):
    async with notifications_alone(settings_for, smtp_server) as alone:
        yield alone


async def test_the_organisations_officer_signs_and_gets_the_replies(notifications) -> None:
    # Hörde's first officer is Maria Schneider; this company's responsible officer is Tarik
    looked_after = organisation("o-tarik", officer="t.yilmaz")
    anna = person("p-anna", "Anna", organisation_id="o-tarik")
    ben = person("p-ben", "Ben", organisation_id="o-nobody")
    await notifications.publish(looked_after, organisation("o-nobody"), anna, ben)
    await eventually(lambda: notifications.stored("organisations", "o-tarik"))
    await notifications.knows(anna.person_id)
    await notifications.knows(ben.person_id)
    await notifications.publish(
        registration(RegistrationConfirmedV1, "r-anna", anna),
        registration(RegistrationConfirmedV1, "r-ben", ben),
    )

    [to_anna] = await eventually(lambda: notifications.mail_to(str(anna.email)))
    [to_ben] = await eventually(lambda: notifications.mail_to(str(ben.email)))
    assert to_anna["Reply-To"] == "t.yilmaz@aiq-dortmund.example"
    assert to_anna["From"].addresses[0].display_name == "Tarik Yılmaz · Ausbildung im Quartier"
    assert to_anna["From"].addresses[0].addr_spec == notifications.settings.mail_from
    assert "Tarik Yılmaz" in text(to_anna)
    assert to_ben["Reply-To"] == "m.schneider@aiq-dortmund.example"  # the district's officer
    assert "Maria Schneider" in html(to_ben)


async def test_the_confirmation_and_the_day_before_show_the_programme(notifications) -> None:
    starts = datetime.now(BERLIN).replace(hour=16, minute=0, second=0, microsecond=0)
    starts += timedelta(days=20)
    day = starts.date().isoformat()
    agenda = [
        {"kind": "welcome", "title": "Begrüßung", "starts_at": f"{day}T16:00:00"},  # Berlin
        {"kind": "topic_tables", "title": "Thementische", "starts_at": f"{day}T16:30:00"},
        {"kind": "informal", "title": "Ausklang"},
    ]
    meeting = MeetingPublishedV1(
        meeting_id="m-programme",
        title="Netzwerktreffen mit Programm",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        venue={"name": "Café Durchblick"},
        capacity=20,
        districts=["Hörde"],
        topic_tables=[],
        status="published",
        agenda=agenda,
    )
    carla = person("p-carla", "Carla")
    await notifications.publish(meeting, carla)
    await eventually(lambda: notifications.stored("meetings", "m-programme"))
    await notifications.knows(carla.person_id)
    summary = MeetingSummary.model_validate(meeting.model_dump())
    await notifications.publish(
        registration(RegistrationConfirmedV1, "r-carla", carla, meeting=summary)
    )
    [confirmation] = await eventually(lambda: notifications.mail_to(str(carla.email)))
    programme = "Programm:\n  16:00 Uhr  Begrüßung\n  16:30 Uhr  Thementische\n"
    assert programme in text(confirmation)

    reminders = notifications.app.state.reminders
    at = reminder_moments(starts, None, 3, 10)["day_before"][0]
    assert await reminders.send_due(at) == 1
    mails = await eventually(lambda: _at_least(notifications.mail_to(str(carla.email)), 2))
    [day_before] = [m for m in mails if m["Subject"].startswith("Morgen")]
    assert programme in text(day_before)
    assert "Ausklang" in html(day_before)


def _at_least(items: list, count: int) -> list | None:
    return items if len(items) >= count else None


async def test_a_walk_in_without_a_contacts_record_holds_nobody_up(
    settings_for, smtp_server
) -> None:
    # as in production: a person not known yet is waited for up to 30 s
    async with notifications_alone(settings_for, smtp_server, consumer_retry_later_s=30) as alone:
        dora = person("p-dora", "Dora")
        await alone.publish(dora)
        await alone.knows(dora.person_id)
        door = registration(
            RegistrationConfirmedV1,
            "r-door",
            person("p-at-the-door", "Emil", email=None),  # never sent to contacts
            walk_in=True,
            check_in_code="W-1",
        )
        started = time.monotonic()
        await alone.publish(door, registration(RegistrationConfirmedV1, "r-dora", dora))
        await eventually(lambda: alone.deliveries(person_id=dora.person_id, state="sent"))
        assert time.monotonic() - started < 10  # not held up behind the walk-in

        async def counted() -> dict | None:
            board = (await alone.client.get("/dashboards/districts/Hörde")).json()
            events = [e for e in board["events"] if e["meeting_id"] == MEETING["meeting_id"]]
            return events[0] if events and events[0]["registered"] == 2 else None

        assert (await eventually(counted))["registered"] == 2  # the walk-in counts
        assert await alone.deliveries(person_id="p-at-the-door") == []
