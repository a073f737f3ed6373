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
        return [IndexModel("meeting_id"), IndexModel([("districts", 1), ("_id", 1)])]

    async def start(self, campaign_id: str, fields: dict[str, Any], session: Session) -> None:
        """What the campaign's start tells (an invitation may have counted a skip before)."""
        await self.collection.update_one(
            {"_id": campaign_id}, {"$set": fields}, upsert=True, session=session
        )

    async def skipped(self, campaign_id: str, session: Session) -> None:
        await self.collection.update_one(
            {"_id": campaign_id}, {"$inc": {"skipped": 1}}, upsert=True, session=session
        )

    async def meeting_districts(
        self, meeting_id: str, districts: list[str], session: Session = None
    ) -> None:
        """A meeting's campaigns are visible in its districts (kept as they change)."""
        await self.collection.update_many(
            {"meeting_id": meeting_id}, {"$set": {"districts": districts}}, session=session
        )

    async def meetings_without_districts(self) -> list[str]:
        return await self.collection.distinct("meeting_id", {"districts": {"$exists": False}})
