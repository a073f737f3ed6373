"""The readings on ``/metrics`` (a worker takes them every few seconds): emails by state,
and the invitations of a running campaign by state, gone once the campaign is done."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from notifications_alone import MEETING, Alone, notifications_alone, person

from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.targeting import ContactFilter
from helpers import eventually

pytestmark = pytest.mark.integration

PEOPLE = [person("p-r1", "Rita"), person("p-r2", "Rolf")]


def invitation(who) -> InvitationCreatedV1:  # type: ignore[no-untyped-def]
    return InvitationCreatedV1(
        invitation_id=f"inv-{who.person_id}",
        campaign_id="c-read",
        meeting=MEETING,
        person_id=who.person_id,
        rsvp_url=f"http://events.example/rsvp/{who.person_id}",
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )


async def reading(alone: Alone, name: str, **labels: str) -> float | None:
    text = (await alone.client.get("/metrics")).text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


async def test_metrics_show_emails_by_state_and_running_campaigns(
    settings_for, smtp_server
) -> None:
    async with notifications_alone(settings_for, smtp_server, delivery_counts_every_s=5) as alone:
        await alone.publish(*PEOPLE)
        for who in PEOPLE:
            await alone.knows(who.person_id)
        started = InvitationCampaignStartedV1(
            campaign_id="c-read",
            meeting=MEETING,
            target=ContactFilter(districts=["Hörde"]),
            total=2,
            started_at=datetime.now(UTC),
        )
        await alone.publish(started, invitation(PEOPLE[0]))  # the second is still to come

        async def one_sent_one_pending() -> bool:
            sent = await reading(alone, "aiq_campaign_invitations", campaign="c-read", state="sent")
            pending = await reading(
                alone, "aiq_campaign_invitations", campaign="c-read", state="pending"
            )
            return (sent, pending) == (1.0, 1.0)

        await eventually(one_sent_one_pending, timeout=30)
        await alone.publish(invitation(PEOPLE[1]))

        async def done() -> bool:
            emails = await reading(alone, "aiq_deliveries", state="sent")
            gone = await reading(alone, "aiq_campaign_invitations", campaign="c-read", state="sent")
            return emails == 2.0 and gone is None

        await eventually(done, timeout=30)
