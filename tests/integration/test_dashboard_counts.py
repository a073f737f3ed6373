"""The district dashboard counts what happened, on real servers (issue 9): topic-table
interest follows a changed choice, a cancellation takes it away, and partner companies split
by ``partner_since``. The test plays the contacts and events services (events on Kafka)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from notifications_alone import MEETING, notifications_alone, organisation, person, registration
from pymongo import AsyncMongoClient

from aiq_notifications.dashboards import service as dashboards_service
from aiq_shared.contracts.meetings import MeetingPublishedV1
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationTablesChangedV1,
)
from helpers import eventually

pytestmark = pytest.mark.integration

TABLES = [
    {"topic_table_id": "t-ag", "title": "Schul-AGs in Unternehmen", "capacity": 10},
    {"topic_table_id": "t-speed", "title": "Speed-Woche", "capacity": 10},
    {"topic_table_id": "t-azubi", "title": "Azubis als Botschafter*innen", "capacity": 10},
]


@pytest.fixture
async def notifications(settings_for, smtp_server):
    async with notifications_alone(settings_for, smtp_server) as alone:
        yield alone


async def test_interest_and_partners_count_what_happened(notifications) -> None:
    meeting = MeetingPublishedV1(
        **MEETING, capacity=20, districts=["Hörde"], topic_tables=TABLES, status="published"
    )
    # partners since before and since after a year before the meeting; no status given
    old_hand = organisation("o-old", partner_since=date(2024, 1, 15))
    newcomer = organisation("o-new", partner_since=date(2026, 1, 15))
    anna = person("p-anna", "Anna", organisation_id="o-old")
    ben = person("p-ben", "Ben", organisation_id="o-new")
    await notifications.publish(meeting, old_hand, newcomer, anna, ben)
    for organisation_id in ("o-old", "o-new"):
        await eventually(lambda o=organisation_id: notifications.stored("organisations", o))
    await notifications.knows(anna.person_id)
    await notifications.knows(ben.person_id)

    await notifications.publish(
        registration(RegistrationConfirmedV1, "r-anna", anna, topic_table_ids=["t-ag"]),
        registration(RegistrationConfirmedV1, "r-ben", ben, topic_table_ids=["t-ag", "t-speed"]),
    )
    board = await eventually(lambda: _registered(notifications, 2))
    assert (board["long_standing_partners"], board["new_partners"]) == (1, 1)
    assert _interest(board) == {"t-ag": 2, "t-speed": 1, "t-azubi": 0}

    # Anna chooses anew through her link; Ben cancels
    await notifications.publish(
        registration(
            RegistrationTablesChangedV1,
            "r-anna",
            anna,
            topic_table_ids=["t-azubi"],
            previous_topic_table_ids=["t-ag"],
            reason="choice",
        ),
        registration(
            RegistrationCancelledV1,
            "r-ben",
            ben,
            status="cancelled",
            previous_status="confirmed",
            topic_table_ids=["t-ag", "t-speed"],
            reason="person",
        ),
    )

    async def settled() -> dict | None:
        board = await _registered(notifications, 1)
        return board if board and _interest(board)["t-azubi"] == 1 else None

    board = await eventually(settled)
    assert _interest(board) == {"t-ag": 0, "t-speed": 0, "t-azubi": 1}
    assert (board["long_standing_partners"], board["new_partners"]) == (1, 0)
    assert board["cancelled"] == 1


async def test_a_dashboard_read_is_kept_until_this_process_commits_a_change(
    settings_for, smtp_server, monkeypatch
) -> None:
    """Many people watch one dashboard: a read is kept, and readers who come together share
    one read. A change this process commits drops it at once; one that another replica
    committed shows after ``ANSWER_KEPT_S`` (here made long, so that the test can tell)."""
    monkeypatch.setattr(dashboards_service, "ANSWER_KEPT_S", 600.0)
    async with notifications_alone(settings_for, smtp_server) as notifications:
        meeting = MeetingPublishedV1(
            **MEETING, capacity=20, districts=["Hörde"], topic_tables=[], status="published"
        )
        anna, ben = person("p-anna", "Anna"), person("p-ben", "Ben")
        await notifications.publish(meeting, anna, ben)
        await notifications.knows(anna.person_id)
        await notifications.knows(ben.person_id)
        await notifications.publish(registration(RegistrationConfirmedV1, "r-anna", anna))
        await eventually(lambda: _registered(notifications, 1))
        # her confirmation sent (recording it is a change too: it would drop the read)
        await eventually(lambda: _sent(notifications, anna.email))

        dashboards = notifications.app.state.dashboards
        reads = 0
        read = dashboards._dashboards.of_districts

        async def counted(*args, **kwargs):
            nonlocal reads
            reads += 1
            return await read(*args, **kwargs)

        monkeypatch.setattr(dashboards._dashboards, "of_districts", counted)
        dashboards._forget_answers()
        url = "/dashboards/districts/Hörde"
        answers = await asyncio.gather(*(notifications.client.get(url) for _ in range(20)))
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        assert reads == 1

        # another replica's consumer commits a change: not seen while the read is kept
        client: AsyncMongoClient = AsyncMongoClient(notifications.settings.mongo_url)
        try:
            changed = await client[notifications.settings.mongo_db][
                "district_dashboards"
            ].update_one({"_id": f"Hörde:{MEETING['meeting_id']}"}, {"$inc": {"registered": 5}})
            assert changed.modified_count == 1
        finally:
            await client.close()
        assert await _registered(notifications, 1) is not None
        assert reads == 1

        # this process commits one: the next read reads again, and sees both
        await notifications.publish(registration(RegistrationConfirmedV1, "r-ben", ben))
        await eventually(lambda: _registered(notifications, 7))
        assert reads == 2


async def _registered(notifications, count: int) -> dict | None:
    board = (await notifications.client.get("/dashboards/districts/Hörde")).json()
    events = [e for e in board["events"] if e["meeting_id"] == MEETING["meeting_id"]]
    return events[0] if events and events[0]["registered"] == count else None


async def _sent(notifications, address: str) -> bool:
    sent = await notifications.deliveries(kind="confirmation", state="sent")
    return bool(notifications.mail_to(address)) and len(sent) == 1


def _interest(board: dict) -> dict[str, int]:
    return {t["topic_table_id"]: t["registrations"] for t in board["topic_tables"]}
