"""The notifications service's API as the pages use it (README: campaigns, dashboards)."""

from __future__ import annotations

from urllib.parse import quote

from aiq_staff.api import ServiceApi


class NotificationsApi:
    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def district(self, district: str) -> dict:
        path = f"/dashboards/districts/{quote(district)}"
        return await self.api.get(path, {"upcoming": "true"})

    async def city(self) -> dict:
        return await self.api.get("/dashboards/city", {"upcoming": "true"})

    async def campaigns(self, meeting_id: str) -> dict:
        return await self.api.get("/campaigns", {"event_id": meeting_id, "limit": 50})

    async def campaign(self, campaign_id: str) -> dict:
        return await self.api.get(f"/campaigns/{campaign_id}")

    async def deliveries(
        self, meeting_id: str, state: str | None = None, cursor: str | None = None
    ) -> dict:
        params = {"event_id": meeting_id, "state": state, "limit": 100, "cursor": cursor}
        return await self.api.get("/deliveries", params)
