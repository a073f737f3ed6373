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

from aiq_notifications.reminders.rules import reminder_moments
from aiq_shared.contracts.meetings import MeetingCancelledV1, MeetingPublishedV1, MeetingSummary
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.dates import BERLIN
from helpers import eventually, settled

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


TABLES = [
    {"topic_table_id": "t-speed", "title": "Speed-Woche", "capacity": 1},
    {"topic_table_id": "t-ag", "title": "Schul-AGs in Unternehmen", "capacity": 1},
    {"topic_table_id": "t-azubi", "title": "Azubis als Botschafter*innen", "capacity": 1},
]


def seat(table: str, status: str = "seated", round: int = 1) -> dict:
    return {"topic_table_id": table, "round": round, "status": status}


async def test_tables_are_emailed_once_per_seating_and_waiting_is_not_yours(
    notifications,
) -> None:
    meeting = MeetingPublishedV1(
        **MEETING, capacity=20, districts=["Hörde"], topic_tables=TABLES, status="published"
    )
    anna = person("p-anna", "Anna")
    await notifications.publish(meeting, anna)
    await eventually(lambda: notifications.stored("meetings", MEETING["meeting_id"]))
    await notifications.knows(anna.person_id)
    link = "http://events.example/rsvp/anna"

    def tables_changed(reason: str, tables: list[str], seats: list[dict]):
        return registration(
            RegistrationTablesChangedV1,
            "r-anna",
            anna,
            reason=reason,
            topic_table_ids=tables,
            table_seats=seats,
            rsvp_url=link,
        )

    assigned = [seat("t-speed"), seat("t-ag", "waitlisted", 2), seat("t-azubi", round=2)]
    moved_up = [seat("t-speed"), seat("t-ag", round=2), seat("t-azubi", round=2)]
    await notifications.publish(
        registration(
            RegistrationConfirmedV1,
            "r-anna",
            anna,
            topic_table_ids=["t-speed", "t-ag"],
            table_seats=[seat("t-speed"), seat("t-ag", "waitlisted")],
        ),
        tables_changed("assignment", ["t-speed", "t-ag", "t-azubi"], assigned),
        tables_changed("assignment", ["t-speed", "t-ag", "t-azubi"], assigned),  # told twice
        tables_changed("table_move_up", ["t-speed", "t-ag", "t-azubi"], moved_up),
        tables_changed("choice", ["t-azubi", "t-speed"], []),
        tables_changed("choice", ["t-azubi", "t-speed"], []),  # the same choice again
        registration(RegistrationCheckedInV1, "r-anna", anna),  # after all of them
    )

    async def all_handled() -> bool:
        board = (await notifications.client.get("/dashboards/districts/Hörde")).json()
        return any(e["checked_in"] == 1 for e in board["events"])

    await eventually(all_handled)
    mails = await eventually(lambda: _at_least(notifications.mail_to(str(anna.email)), 4))
    await settled(notifications.client)  # everything read and sent: a fifth would be here
    mails = notifications.mail_to(str(anna.email))
    by_subject = {m["Subject"]: m for m in mails}
    assert sorted(m["Subject"] for m in mails) == [
        "Anmeldung bestätigt: Netzwerktreffen Hörde",
        "Ihre Thementische: Netzwerktreffen Hörde",
        "Ihre Thementische: Netzwerktreffen Hörde",
        "Thementische gespeichert: Netzwerktreffen Hörde",
    ]
    confirmation = text(by_subject["Anmeldung bestätigt: Netzwerktreffen Hörde"])
    assert "Ihre Thementische:\n  - Speed-Woche\n\nAuf der Warteliste" in confirmation
    assert "sobald dort ein Platz frei wird):\n  - Schul-AGs in Unternehmen\n" in confirmation
    assignment, move_up = sorted(
        (text(m) for m in mails if m["Subject"].startswith("Ihre Thementische")),
        key=lambda body: "frei geworden" in body,
    )
    assert "Plätze an den Thementischen sind verteilt" in assignment
    assert "  - Runde 1: Speed-Woche\n  - Runde 2: Azubis als Botschafter*innen\n" in assignment
    assert (
        "Warteliste (Sie rücken nach, sobald dort ein Platz frei wird):\n  - Runde 2: Schul-AGs"
        in assignment
    )
    assert "frei geworden" in move_up and "Warteliste" not in move_up
    assert "  - Runde 2: Schul-AGs in Unternehmen\n" in move_up
    choice = text(by_subject["Thementische gespeichert: Netzwerktreffen Hörde"])
    assert (
        "Ihre gewählten Thementische:\n  - Azubis als Botschafter*innen\n  - Speed-Woche\n"
        in choice
    )
    assert link in choice
    kinds = sorted(d["kind"] for d in await notifications.deliveries(person_id=anna.person_id))
    assert kinds == ["confirmation", "table_choice", "tables", "tables"]


async def test_a_teachers_group_confirmation_names_the_students_and_the_seats(
    notifications,
) -> None:
    teacher = person("p-kaya", "Derya", last_name="Kaya", kind="teacher")
    await notifications.publish(teacher)
    await notifications.knows(teacher.person_id)
    await notifications.publish(
        registration(
            RegistrationConfirmedV1,
            "r-group",
            teacher,
            kind="teacher",
            seats=4,
            group_students=["Lea Brandt", "Mehmet Öztürk", "Sara Nowak"],
        )
    )
    [mail] = await eventually(lambda: notifications.mail_to(str(teacher.email)))
    body = text(mail)
    assert "Plätze für Ihre Gruppe: 4" in body
    assert "Schüler:\n  - Lea Brandt\n  - Mehmet Öztürk\n  - Sara Nowak\n" in body
    assert "<li>Mehmet Öztürk</li>" in html(mail)


async def test_a_cancellation_is_confirmed_once_and_a_lapsed_offer_is_explained(
    notifications,
) -> None:
    anna, ben, carla, emil = (
        person("p-anna", "Anna"),
        person("p-ben", "Ben"),
        person("p-carla", "Carla"),
        person("p-emil", "Emil"),
    )
    off = {**MEETING, "meeting_id": "m-off", "title": "Abgesagtes Treffen"}
    await notifications.publish(anna, ben, carla, emil)
    for someone in (anna, ben, carla, emil):
        await notifications.knows(someone.person_id)

    def cancelled(registration_id: str, who, reason: str | None, previous: str, **fields):
        return registration(
            RegistrationCancelledV1,
            registration_id,
            who,
            status="cancelled",
            previous_status=previous,
            reason=reason,
            **fields,
        )

    await notifications.publish(
        registration(RegistrationConfirmedV1, "r-anna", anna),
        registration(
            RegistrationWaitlistedV1, "r-ben", ben, status="waitlisted", waitlist_position=1
        ),
        registration(RegistrationConfirmedV1, "r-carla", carla, meeting=off),
        registration(RegistrationConfirmedV1, "r-emil", emil, meeting=off),
    )
    for someone in (anna, ben, carla, emil):  # registered here before the meeting is off
        await eventually(lambda someone=someone: notifications.mail_to(str(someone.email)))
    await notifications.publish(
        MeetingCancelledV1(
            **off, capacity=20, districts=["Hörde"], topic_tables=[], status="cancelled"
        )
    )
    await eventually(lambda: _cancelled_here(notifications, "m-off"))
    link = "http://events.example/rsvp/anna"
    await notifications.publish(
        cancelled("r-anna", anna, "person", "confirmed", rsvp_url=link),
        cancelled("r-anna", anna, "person", "confirmed", rsvp_url=link),  # told twice
        cancelled("r-ben", ben, "offer_expired", "waitlisted"),
        # the meeting is off: its own email says so, nothing more
        cancelled("r-carla", carla, "meeting_cancelled", "confirmed", meeting=off),
        cancelled("r-emil", emil, "staff", "confirmed", meeting=off),
    )

    to_anna = await eventually(lambda: _at_least(notifications.mail_to(str(anna.email)), 2))
    to_ben = await eventually(lambda: _at_least(notifications.mail_to(str(ben.email)), 2))
    await eventually(lambda: _at_least(notifications.mail_to(str(emil.email)), 2))
    await settled(notifications.client)  # everything read and sent: more would be here
    to_anna, to_ben = notifications.mail_to(str(anna.email)), notifications.mail_to(str(ben.email))
    assert [m["Subject"] for m in to_anna] == [
        "Anmeldung bestätigt: Netzwerktreffen Hörde",
        "Absage erhalten: Netzwerktreffen Hörde",
    ]
    note = text(to_anna[1])
    assert "Ihre Anmeldung für die folgende Veranstaltung ist storniert" in note
    assert link in note and "nächste Person auf der Warteliste" in note
    # the calendar entry of the confirmation is withdrawn (same UID, METHOD:CANCEL)
    [withdrawn] = [p for p in to_anna[1].walk() if p.get_content_type() == "text/calendar"]
    entry = withdrawn.get_content()
    assert "METHOD:CANCEL" in entry and "STATUS:CANCELLED" in entry
    [confirmed] = [p for p in to_anna[0].walk() if p.get_content_type() == "text/calendar"]
    uid = next(line for line in confirmed.get_content().splitlines() if line.startswith("UID:"))
    assert uid in entry
    assert not [p for p in to_ben[1].walk() if p.get_content_type() == "text/calendar"]
    assert [m["Subject"] for m in to_ben][1] == "Platzangebot abgelaufen: Netzwerktreffen Hörde"
    assert "Das Angebot ist abgelaufen" in text(to_ben[1])
    for someone in (carla, emil):
        subjects = [m["Subject"] for m in notifications.mail_to(str(someone.email))]
        assert subjects == [
            "Anmeldung bestätigt: Abgesagtes Treffen",
            "Abgesagt: Abgesagtes Treffen",
        ]


async def _cancelled_here(notifications, meeting_id: str) -> bool:
    meeting = await notifications.stored("meetings", meeting_id)
    return bool(meeting) and meeting.get("status") == "cancelled"
