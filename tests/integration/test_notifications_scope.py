"""The districts of notifications' resources follow their meeting (issue 11): a delivery is
visible in its recipient's district and in its meeting's current districts, a campaign in its
meeting's; when a meeting moves to other districts, its emails and campaigns move with it (in
the documents, so the scope stays a plain query)."""

from __future__ import annotations

from typing import Any

import pytest
from notifications_alone import Alone, notifications_alone, person, registration
from test_permissions_notifications import campaign, meeting, summary

from aiq_shared.auth import issue_token
from aiq_shared.contracts.meetings import MeetingChangedV1
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from helpers import eventually

pytestmark = pytest.mark.integration

HANNA = person("p-hoerde", "Hanna")


async def seen_by(alone: Alone, district: str, path: str, **params: Any) -> list[dict]:
    token = issue_token(alone.settings.auth_secret, "o.officer", "officer", [district])
    answer = await alone.client.get(
        path, params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_a_meetings_emails_and_campaigns_follow_it_to_other_districts(
    settings_for, smtp_server
) -> None:
    published = meeting("m-hoerde", "Hörde")
    async with notifications_alone(settings_for, smtp_server) as alone:
        await alone.publish(published, HANNA)
        await alone.knows(HANNA.person_id)
        await eventually(lambda: alone.stored("meetings", "m-hoerde"))
        await alone.publish(
            registration(RegistrationConfirmedV1, "r-1", HANNA, meeting=summary("Hörde")),
            *campaign("c-hoerde", "Hörde"),
        )
        await eventually(lambda: alone.deliveries(kind="invitation", state="sent"))
        assert await seen_by(alone, "Eving", "/deliveries") == []
        assert await seen_by(alone, "Eving", "/campaigns") == []

        moved = MeetingChangedV1(
            **{**published.model_dump(), "districts": ["Eving"], "sequence": 1},
            changed=["districts"],
        )
        await alone.publish(moved)

        async def in_eving() -> list[dict]:
            return await seen_by(alone, "Eving", "/campaigns")

        [moved_campaign] = await eventually(in_eving)
        assert moved_campaign["campaign_id"] == "c-hoerde"
        assert (await alone.client.get("/campaigns/c-hoerde")).status_code == 200
        emails = await seen_by(alone, "Eving", "/deliveries", limit=100)
        assert {d["kind"] for d in emails} >= {"confirmation", "invitation"}
        assert all(d["districts"] == ["Eving", "Hörde"] for d in emails), emails
        # Hörde keeps the emails to its own people, not the meeting's campaign
        assert await seen_by(alone, "Hörde", "/campaigns") == []
        kept = await seen_by(alone, "Hörde", "/deliveries", limit=100)
        assert {d["id"] for d in kept} == {d["id"] for d in emails}
        hoerde = issue_token(alone.settings.auth_secret, "m.schneider", "officer", ["Hörde"])
        gone = await alone.client.get(
            "/campaigns/c-hoerde", headers={"Authorization": f"Bearer {hoerde}"}
        )
        assert gone.status_code == 404
