"""The contacts service's API as the pages use it (docs/contacts.md)."""

from __future__ import annotations

from typing import Any

from aiq_staff.api import Download, ServiceApi


class ContactsApi:
    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    # organisations
    async def organisations(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/organisations", params)

    async def organisation(self, organisation_id: str) -> dict:
        return await self.api.get(f"/organisations/{organisation_id}")

    async def create_organisation(self, body: dict) -> dict:
        return await self.api.post("/organisations", body)

    async def update_organisation(self, organisation_id: str, body: dict) -> dict:
        return await self.api.patch(f"/organisations/{organisation_id}", body)

    async def merge(self, organisation_id: str, merged_id: str) -> dict:
        body = {"merged_organisation_id": merged_id}
        return await self.api.post(f"/organisations/{organisation_id}/merge", body)

    async def members(self, organisation_id: str, limit: int = 100) -> dict:
        params = {"limit": limit, "sort": "name"}
        return await self.api.get(f"/organisations/{organisation_id}/people", params)

    async def organisation_history(self, organisation_id: str, limit: int = 100) -> dict:
        params = {"sort": "-created", "limit": limit}
        return await self.api.get(f"/organisations/{organisation_id}/interactions", params)

    async def organisation_meetings(self, organisation_id: str) -> list[dict]:
        return await self.api.get(f"/organisations/{organisation_id}/meetings")

    async def record_interaction(self, organisation_id: str, body: dict) -> dict:
        return await self.api.post(f"/organisations/{organisation_id}/interactions", body)

    async def export(self, what: str, params: dict[str, Any]) -> Download:
        return await self.api.download(f"/{what}/export", params)

    # people
    async def people(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/people", params)

    async def person(self, person_id: str) -> dict:
        return await self.api.get(f"/people/{person_id}")

    async def create_person(self, body: dict) -> dict:
        return await self.api.post("/people", body)

    async def update_person(self, person_id: str, body: dict) -> dict:
        return await self.api.patch(f"/people/{person_id}", body)

    async def consents(self, person_id: str) -> list[dict]:
        return await self.api.get(f"/people/{person_id}/consents")

    async def record_consent(self, person_id: str, body: dict) -> dict:
        return await self.api.post(f"/people/{person_id}/consents", body)

    async def double_opt_in(self, person_id: str, purpose: str) -> Any:
        return await self.api.post(f"/people/{person_id}/double-opt-in", {"purpose": purpose})

    async def person_export(self, person_id: str) -> Download:
        return await self.api.download(f"/people/{person_id}/export")

    async def erase(self, person_id: str) -> dict:
        return await self.api.delete(f"/people/{person_id}")

    async def person_history(self, person_id: str) -> dict:
        params = {"sort": "-created", "limit": 100}
        return await self.api.get(f"/people/{person_id}/interactions", params)

    async def person_meetings(self, person_id: str) -> list[dict]:
        return await self.api.get(f"/people/{person_id}/meetings")

    # follow-ups
    async def follow_ups(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/follow-ups", params)

    async def open_follow_up(self, body: dict) -> dict:
        return await self.api.post("/follow-ups", body)

    async def follow_up_done(self, follow_up_id: str) -> dict:
        return await self.api.post(f"/follow-ups/{follow_up_id}/done")

    # segments
    async def segments(self) -> dict:
        return await self.api.get("/segments", {"limit": 200})

    async def segment(self, segment_id: str) -> dict:
        return await self.api.get(f"/segments/{segment_id}")

    async def segment_people(self, segment_id: str, cursor: str | None = None) -> dict:
        params = {"limit": 50, "cursor": cursor}
        return await self.api.get(f"/segments/{segment_id}/people", params)

    async def save_segment(self, body: dict, segment_id: str | None = None) -> dict:
        if segment_id:
            return await self.api.put(f"/segments/{segment_id}", body)
        return await self.api.post("/segments", body)

    async def delete_segment(self, segment_id: str) -> None:
        await self.api.delete(f"/segments/{segment_id}")

    # import
    async def start_import(self, content: bytes, media_type: str, dry_run: bool) -> dict:
        response = await self.api.request(
            "POST",
            "/imports",
            content=content,
            headers={"content-type": media_type},
            params={"dry_run": "true" if dry_run else "false"},
        )
        return response.json()

    async def import_job(self, job_id: str) -> dict:
        return await self.api.get(f"/imports/{job_id}")

    # reference data
    async def industries(self) -> dict:
        return await self.api.get("/industries")

    async def officers(self) -> list[dict]:
        return await self.api.get("/officers")
