"""The send queue (``send_queue/repository.py``) on a real SMTP conversation: a delivery
kept before the queue existed is sent, and an email a sender handed over but died before
recording is recorded as sent, not sent again; a campaign kept before the tallies gets its
tally counted once and goes on from there, and so do its meeting's dashboard counts. And two
senders claiming deliveries together on one database, with their leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from test_smtp_failures import MoodySmtp, notifications_against

from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.rules import (
    Content,
    RenderedEmail,
    StateChange,
    claim_lease,
    new_delivery,
)
from aiq_notifications.deliveries.sending import Sending
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import FrozenClock
from aiq_shared.mongo import Database, create_client, to_document
from helpers import eventually

pytestmark = pytest.mark.integration

LONG_AGO = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _delivery(name: str, campaign_id: str | None = None, district: str = "Hörde") -> dict:
    delivery = new_delivery(
        delivery_id=f"d-{name}",
        kind="confirmation",
        person_id=f"p-{name}",
        email=f"{name}@betrieb.example",
        district=district,
        meeting_id="m1",
        subject_id=f"r-{name}",
        campaign_id=campaign_id,
        message_id_domain="aiq.test",
        now=LONG_AGO,
    )
    rendered = RenderedEmail(subject="Anmeldung bestätigt", text="Hallo", html="<p>Hallo</p>")
    return {**to_document(delivery), "content": Content.of(name, rendered).model_dump()}


@pytest.fixture
async def database(settings_for):  # type: ignore[no-untyped-def]
    """The notifications service's database, to keep documents in before it starts."""
    settings = settings_for(NotificationsSettings, "notifications")
    client = AsyncMongoClient(settings.mongo_url)
    yield client[settings.mongo_db]
    await client.close()


async def test_deliveries_kept_before_the_queue_existed_are_sent(settings_for, database) -> None:
    smtp = MoodySmtp()
    await database.deliveries.insert_many([_delivery("kept"), _delivery("also")])
    async with notifications_against(smtp, settings_for) as (_settings, client):
        items = await eventually(lambda: _all_sent(client, 2), timeout=30)
        left = await database.send_queue.count_documents({})
    assert sorted(smtp.accepted) == ["also@betrieb.example", "kept@betrieb.example"]
    assert all(d["attempts"] == 1 for d in items)
    assert left == 0


async def test_an_email_handed_over_by_a_sender_that_died_is_recorded_not_sent_again(
    settings_for, database
) -> None:
    smtp = MoodySmtp()
    handed = _delivery("handed")  # the SMTP server took it, then its sender died
    lease_ran_out = LONG_AGO + timedelta(seconds=30)
    handed |= {
        "state": "sending",
        "attempts": 1,
        "lease_until": lease_ran_out,
        "history": [
            StateChange(state="pending", at=LONG_AGO).model_dump(),
            StateChange(state="sending", at=LONG_AGO).model_dump(),
        ],
    }
    await database.deliveries.insert_many([handed, _delivery("next")])
    await database.send_queue.insert_many(
        [
            {"_id": handed["_id"], "due_at": lease_ran_out, "handed_over_at": LONG_AGO},
            {"_id": "d-next", "due_at": LONG_AGO},
        ]
    )
    async with notifications_against(smtp, settings_for) as (_settings, client):
        items = await eventually(lambda: _all_sent(client, 2), timeout=30)
        left = await database.send_queue.count_documents({})
    by_id = {d["id"]: d for d in items}
    assert smtp.accepted == ["next@betrieb.example"]  # the handed-over one not again
    assert by_id["d-handed"]["sent_at"].startswith("2026-11-30T09:00")  # when it went out
    assert [h["state"] for h in by_id["d-handed"]["history"]] == ["pending", "sending", "sent"]
    assert left == 0


async def test_a_campaign_and_a_meeting_kept_before_the_tallies_show_their_counts(
    settings_for, database
) -> None:
    smtp = MoodySmtp()
    sent_before = _delivery("early", "c-old") | {"state": "sent", "sent_at": LONG_AGO}
    to_eving = _delivery("eving", district="Eving") | {"state": "dead"}  # no campaign's
    await database.deliveries.insert_many([sent_before, _delivery("late", "c-old"), to_eving])
    for district in ("Hörde", "Eving"):
        await database.district_dashboards.insert_one(
            {
                "_id": f"{district}:m1",
                "district": district,
                "meeting_id": "m1",
                "starts_at": LONG_AGO,
            }
        )
    await database.campaigns.insert_one(
        {
            "_id": "c-old",
            "meeting_id": "m1",
            "meeting_title": "Netzwerktreffen",
            "districts": ["Hörde"],
            "total": 3,
            "skipped": 1,
            "started_at": LONG_AGO,
        }
    )
    async with notifications_against(smtp, settings_for) as (_settings, client):

        async def done():  # the pending one sent after the start: counted on the tally
            progress = (await client.get("/campaigns/c-old")).json()
            return progress if progress["done"] else None

        progress = await eventually(done, timeout=30)
        # the meeting's emails, counted once at the start, then kept: per district, and all
        hoerde = (await client.get("/dashboards/districts/Hörde")).json()["events"][0]
        assert hoerde["deliveries"] == {"sent": 2, "pending": 0, "failed": 0, "stopped": 0}
        [city] = (await client.get("/dashboards/city")).json()["events"]
        assert city["deliveries"] == {"sent": 2, "pending": 0, "failed": 1, "stopped": 0}
    assert smtp.accepted == ["late@betrieb.example"]
    assert (progress["total"], progress["sent"], progress["skipped"]) == (3, 2, 1)
    assert (progress["pending"], progress["failed"], progress["stopped"]) == (0, 0, 0)


async def _all_sent(client, count: int) -> list | None:  # type: ignore[no-untyped-def]
    items = (await client.get("/deliveries")).json()["items"]
    return items if len(items) == count and all(d["state"] == "sent" for d in items) else None


async def test_two_senders_claim_together_keep_their_lease_and_never_share_a_delivery(
    settings_for,
) -> None:
    """Two replicas' senders claim a few due deliveries at once: each delivery goes to one;
    a lease renewed in time keeps them, one left to run out goes to the other sender."""
    settings = settings_for(NotificationsSettings, "notifications")
    client = create_client(settings.mongo_url)
    database = Database(client, settings.mongo_db, "/aiq/test", settings.kafka_topic_prefix)
    clock = FrozenClock(LONG_AGO + timedelta(hours=1))
    lease_s = claim_lease(settings.smtp_timeout_s).total_seconds()
    first, second = (
        Sending(database, settings, clock, AddressHolds(database, settings), lambda: None)
        for _ in range(2)
    )
    names = ["a", "b", "c", "d"]
    await database["deliveries"].insert_many([_delivery(n) for n in names])
    await database["send_queue"].insert_many([{"_id": f"d-{n}", "due_at": LONG_AGO} for n in names])
    try:
        due = await first.due(10)
        assert [e.id for e in due] == ["d-a", "d-b", "d-c", "d-d"]
        mine, lease = await first.claim(due[:3])
        assert [d.id for d in mine] == ["d-a", "d-b", "d-c"]
        assert all(d.state == "sending" and d.attempts == 1 for d in mine)
        assert first.room_for_a_send(lease)
        # the other replica read the same entries before: it gets only the one left
        theirs, _ = await second.claim(due)
        assert [d.id for d in theirs] == ["d-d"]

        # a send would no longer fit: the first renews for what it has not sent (b, c)
        clock.advance(timedelta(seconds=lease_s / 2))
        assert not first.room_for_a_send(lease)
        kept, renewed = await first.keep(mine[1:], lease)
        assert [d.id for d in kept] == ["d-b", "d-c"] and first.room_for_a_send(renewed)
        # past the first leases: a (not kept) and d (its sender died) are due again, b, c not
        clock.advance(timedelta(seconds=lease_s / 2 + 1))
        again = await second.due(10)
        assert [e.id for e in again] == ["d-a", "d-d"]
        taken_over, _ = await second.claim(again)
        assert [(d.id, d.attempts) for d in taken_over] == [("d-a", 2), ("d-d", 2)]

        # past the renewed lease too: the second takes b and c; the first keeps none of them
        clock.advance(timedelta(seconds=lease_s + 1))
        later, _ = await second.claim(await second.due(10))
        assert {d.id for d in later} == {"d-a", "d-b", "d-c", "d-d"}
        still, _ = await first.keep(kept, renewed)
        assert still == []
    finally:
        await client.close()
