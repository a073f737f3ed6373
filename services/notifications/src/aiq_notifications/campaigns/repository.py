"""Invitation campaigns (PyMongo); their progress is counted from the deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import IndexModel

from aiq_notifications.campaigns.rules import Campaign
from aiq_shared.repository import Repository, Session


class CampaignsRepository(Repository[Campaign]):
    collection_name = "campaigns"  # invitation runs (aiq.invitation_campaign.started.v1)
    model = Campaign

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("meeting_id")]

    async def start(self, campaign_id: str, fields: dict[str, Any], session: Session) -> None:
        """What the campaign's start tells (an invitation may have counted a skip before)."""
        await self.collection.update_one(
            {"_id": campaign_id}, {"$set": fields}, upsert=True, session=session
        )

    async def skipped(self, campaign_id: str, session: Session) -> None:
        await self.collection.update_one(
            {"_id": campaign_id}, {"$inc": {"skipped": 1}}, upsert=True, session=session
        )
