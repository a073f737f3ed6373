"""A campaign for hundreds: chunked transactions, one event per invitation, none lost or
doubled. (bench/campaign.py measures bigger ones end to end.)"""

from __future__ import annotations

import time

import pytest
from test_events_rsvp import events  # noqa: F401 - the events-only fixture
from test_events_support import all_pages, events_published, publish_contacts_events

from aiq_shared.contracts.contacts import PersonCreatedV1
from helpers import eventually, record_commands

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

PEOPLE = 300  # 270 with consent: six chunks of up to 50


async def test_a_campaign_for_hundreds_of_people(events) -> None:  # noqa: F811
    system = events
    await publish_contacts_events(
        system,
        *(
            PersonCreatedV1(
                person_id=f"{n:024x}",
                first_name=f"P{n}",
                last_name="Viele",
                email=f"p{n}@betrieb.example",
                district="Hörde" if n % 2 else "Eving",
                email_consent=n % 10 != 0,
            )
            for n in range(1, PEOPLE + 1)
        ),
    )
    meeting = await new_meeting(system, "Großes Treffen", "Westfalenhallen", 2000, "Hörde", "Eving")

    async def all_known():
        found = await preview(system, meeting["id"])
        return found if found["matched"] == PEOPLE else None

    preview_of_all = await eventually(all_known, timeout=120, interval=1)
    assert preview_of_all["eligible"] == PEOPLE - PEOPLE // 10
    assert preview_of_all["excluded_no_consent"] == PEOPLE // 10
    started = time.perf_counter()
    published = await system.events.post(f"/events/{meeting['id']}/publish")
    took = time.perf_counter() - started
    assert published.status_code == 200, published.text
    print(f"campaign of {preview_of_all['eligible']} invitations: {took:.1f}s")
    await eventually(lambda: events_published(system), timeout=120, interval=0.5)
    listed = (
        await system.events.get(f"/events/{meeting['id']}/invitations", params={"limit": 200})
    ).json()
    assert len(listed["items"]) == 200 and listed["next_cursor"]
    # every invitation is there (one transaction per chunk of 50, none lost or doubled)
    everyone = await all_pages(system.events, f"/events/{meeting['id']}/invitations")
    assert len(everyone) == len({i["person_id"] for i in everyone}) == preview_of_all["eligible"]


async def new_meeting(system, title: str, venue: str, capacity: int, *districts: str) -> dict:
    body = {
        "title": title,
        "starts_at": "2027-06-10T16:00:00",
        "ends_at": "2027-06-10T19:00:00",
        "venue": {"name": venue},
        "capacity": capacity,
        "districts": list(districts),
    }
    return (await system.events.post("/events", json=body)).json()


async def preview(system, meeting_id: str) -> dict:
    """Whom the meeting's default target would invite now."""
    return (await system.events.post(f"/events/{meeting_id}/invitations/preview", json={})).json()


COMMANDS = record_commands()  # before the fixture's clients are made
DIRECTORY = {"participants", "organisations", "segments"}  # the contacts read model


def directory_reads_in_transactions(sent: list) -> list[str]:  # type: ignore[type-arg]
    return [
        f"{e.command_name} {e.command[e.command_name]}"
        for e in sent
        if "txnNumber" in e.command and e.command.get(e.command_name) in DIRECTORY
    ]


async def test_whom_to_invite_is_read_outside_the_campaigns_transaction(events) -> None:  # noqa: F811
    """A campaign may select thousands: reading them inside the publication's transaction made
    it outlive its lifetime (a 500). Only the invitations are written inside it."""
    system = events
    await publish_contacts_events(
        system,
        *(
            PersonCreatedV1(
                person_id=f"{n:024x}",
                first_name=f"P{n}",
                last_name="Früh",
                email=f"f{n}@betrieb.example",
                district="Hörde",
                email_consent=True,
            )
            for n in range(1, 61)
        ),
    )
    meeting = await new_meeting(system, "Treffen Hörde", "Bürgerhaus", 100, "Hörde")

    async def all_known():
        return (await preview(system, meeting["id"]))["eligible"] == 60

    await eventually(all_known, timeout=60, interval=0.5)
    with COMMANDS.recording() as sent:
        published = await system.events.post(f"/events/{meeting['id']}/publish")
        again = await system.events.post(
            f"/events/{meeting['id']}/invitations", json={"target": {"districts": ["Hörde"]}}
        )
    assert published.status_code == 200 and published.json()["invited"] == 60
    assert again.status_code == 201 and again.json()["already_invited"] == 60
    assert directory_reads_in_transactions(sent) == []
