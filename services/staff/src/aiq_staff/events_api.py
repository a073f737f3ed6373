"""The events service's API as the pages use it, by subject (docs/events.md)."""

from __future__ import annotations

from typing import Any

from aiq_staff.api import Download, ServiceApi


class MeetingsApi:
    """Meetings: create, change, publish/cancel/close, the report."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/events", params)

    async def get(self, meeting_id: str) -> dict:
        return await self.api.get(f"/events/{meeting_id}")

    async def create(self, body: dict) -> dict:
        return await self.api.post("/events", body)

    async def change(self, meeting_id: str, body: dict) -> dict:
        return await self.api.patch(f"/events/{meeting_id}", body)

    async def act(self, meeting_id: str, action: str, body: Any = None) -> Any:
        """``publish``, ``cancel``, ``close``, ``table-assignment``."""
        return await self.api.post(f"/events/{meeting_id}/{action}", body)

    async def report(self, meeting_id: str) -> dict:
        return await self.api.get(f"/events/{meeting_id}/report")

    async def report_csv(self, meeting_id: str) -> Download:
        return await self.api.download(f"/events/{meeting_id}/report", {"format": "csv"})


class InvitationsApi:
    """Invitations of a meeting."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def preview(self, meeting_id: str, target: dict, limit: int = 20) -> dict:
        path = f"/events/{meeting_id}/invitations/preview"
        return await self.api.post(path, target, {"limit": limit})

    async def invite(self, meeting_id: str, target: dict) -> dict:
        return await self.api.post(f"/events/{meeting_id}/invitations", target)

    async def list(self, meeting_id: str, cursor: str | None = None) -> dict:
        params = {"limit": 200, "cursor": cursor}
        return await self.api.get(f"/events/{meeting_id}/invitations", params)


class RegistrationsApi:
    """Registrations, group registrations, check-in and walk-ins."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(
        self,
        meeting_id: str,
        status: str | None = None,
        cursor: str | None = None,
        q: str | None = None,
    ) -> dict:
        """A page of registrations; ``q`` finds a name (a group's students too)."""
        params = {"status": status, "limit": 200, "cursor": cursor, "q": q}
        return await self.api.get(f"/events/{meeting_id}/registrations", params)

    async def register(self, meeting_id: str, body: dict) -> dict:
        return await self.api.post(f"/events/{meeting_id}/registrations", body)

    async def register_group(self, meeting_id: str, body: dict) -> dict:
        return await self.api.post(f"/events/{meeting_id}/group-registrations", body)

    async def act(self, meeting_id: str, registration_id: str, action: str):
        """``cancel`` or ``accept`` (a move-up offer)."""
        path = f"/events/{meeting_id}/registrations/{registration_id}/{action}"
        return await self.api.post(path)

    async def check_in(self, meeting_id: str, code: str) -> dict:
        return await self.api.post(f"/events/{meeting_id}/check-in", {"code": code})

    async def walk_in(self, meeting_id: str, body: dict) -> dict:
        return await self.api.post(f"/events/{meeting_id}/walk-ins", body)


class OutcomesApi:
    """Outcomes after the meeting."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self, meeting_id: str) -> dict:
        return await self.api.get(f"/events/{meeting_id}/outcomes", {"limit": 200})

    async def record(self, meeting_id: str, outcomes: list[dict]) -> dict:
        return await self.api.post(f"/events/{meeting_id}/outcomes", {"outcomes": outcomes})


class EventsApi:
    """The service's API by subject, for one signed-in person's token."""

    def __init__(self, api: ServiceApi) -> None:

        self.meetings = MeetingsApi(api)

        self.invitations = InvitationsApi(api)

        self.registrations = RegistrationsApi(api)

        self.outcomes = OutcomesApi(api)
