"""A campaign for hundreds: chunked transactions, one event per invitation, none lost or
doubled. (bench/campaign.py measures bigger ones end to end.)"""

from __future__ import annotations

import time

import pytest
from pymongo import monitoring
from test_events_rsvp import events  # noqa: F401 - the events-only fixture
from test_events_support import all_pages, events_published, publish_contacts_events

from aiq_shared.contracts.contacts import PersonCreatedV1
from helpers import eventually

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


class DirectoryReadsInTransactions(monitoring.CommandListener):
    """The events service's reads of its directory (the contacts read model) made inside a
    transaction. Registered for every client created afterwards; records only while on."""

    DIRECTORY = {"participants", "organisations", "segments"}

    def __init__(self) -> None:
        self.on, self.seen = False, []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        if self.on and "txnNumber" in command and command.get(event.command_name) in self.DIRECTORY:
            self.seen.append(f"{event.command_name} {command[event.command_name]}")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


reads_in_transactions = DirectoryReadsInTransactions()
monitoring.register(reads_in_transactions)  # before the fixture's clients are made


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
    reads_in_transactions.on = True
    try:
        published = await system.events.post(f"/events/{meeting['id']}/publish")
        again = await system.events.post(
            f"/events/{meeting['id']}/invitations", json={"target": {"districts": ["Hörde"]}}
        )
    finally:
        reads_in_transactions.on = False
    assert published.status_code == 200 and published.json()["invited"] == 60
    assert again.status_code == 201 and again.json()["already_invited"] == 60
    assert reads_in_transactions.seen == []
