"""The contacts service's API as the pages use it, by subject (docs/contacts.md)."""

from __future__ import annotations

from typing import Any

from aiq_staff.api import Download, ServiceApi


class OrganisationsApi:
    """Organisations, their members, history and meetings."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/organisations", params)

    async def get(self, organisation_id: str) -> dict:
        return await self.api.get(f"/organisations/{organisation_id}")

    async def create(self, body: dict) -> dict:
        return await self.api.post("/organisations", body)

    async def update(self, organisation_id: str, body: dict) -> dict:
        return await self.api.patch(f"/organisations/{organisation_id}", body)

    async def merge(self, organisation_id: str, merged_id: str) -> dict:
        body = {"merged_organisation_id": merged_id}
        return await self.api.post(f"/organisations/{organisation_id}/merge", body)

    async def members(self, organisation_id: str, limit: int = 100) -> dict:
        params = {"limit": limit, "sort": "name"}
        return await self.api.get(f"/organisations/{organisation_id}/people", params)

    async def history(self, organisation_id: str, limit: int = 100) -> dict:
        params = {"sort": "-created", "limit": limit}
        return await self.api.get(f"/organisations/{organisation_id}/interactions", params)

    async def meetings(self, organisation_id: str) -> list[dict]:
        return await self.api.get(f"/organisations/{organisation_id}/meetings")

    async def record_interaction(self, organisation_id: str, body: dict) -> dict:
        return await self.api.post(f"/organisations/{organisation_id}/interactions", body)


class PeopleApi:
    """People, their history and meetings."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/people", params)

    async def get(self, person_id: str) -> dict:
        return await self.api.get(f"/people/{person_id}")

    async def create(self, body: dict) -> dict:
        return await self.api.post("/people", body)

    async def update(self, person_id: str, body: dict) -> dict:
        return await self.api.patch(f"/people/{person_id}", body)

    async def history(self, person_id: str) -> dict:
        params = {"sort": "-created", "limit": 100}
        return await self.api.get(f"/people/{person_id}/interactions", params)

    async def meetings(self, person_id: str) -> list[dict]:
        return await self.api.get(f"/people/{person_id}/meetings")


class ConsentApi:
    """A person's consents and the double opt-in."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self, person_id: str) -> list[dict]:
        return await self.api.get(f"/people/{person_id}/consents")

    async def record(self, person_id: str, body: dict) -> dict:
        return await self.api.post(f"/people/{person_id}/consents", body)

    async def double_opt_in(self, person_id: str, purpose: str) -> Any:
        return await self.api.post(f"/people/{person_id}/double-opt-in", {"purpose": purpose})


class PrivacyApi:
    """A person's data export and erasure (Art. 15/17)."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def export(self, person_id: str) -> Download:
        return await self.api.download(f"/people/{person_id}/export")

    async def erase(self, person_id: str) -> dict:
        return await self.api.delete(f"/people/{person_id}")


class FollowUpsApi:
    """Follow-ups (Wiedervorlagen)."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self, params: dict[str, Any]) -> dict:
        return await self.api.get("/follow-ups", params)

    async def open(self, body: dict) -> dict:
        return await self.api.post("/follow-ups", body)

    async def done(self, follow_up_id: str) -> dict:
        return await self.api.post(f"/follow-ups/{follow_up_id}/done")


class SegmentsApi:
    """Saved segments and their members."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def list(self) -> dict:
        return await self.api.get("/segments", {"limit": 200})

    async def get(self, segment_id: str) -> dict:
        return await self.api.get(f"/segments/{segment_id}")

    async def people(self, segment_id: str, cursor: str | None = None) -> dict:
        params = {"limit": 50, "cursor": cursor}
        return await self.api.get(f"/segments/{segment_id}/people", params)

    async def save(self, body: dict, segment_id: str | None = None) -> dict:
        if segment_id:
            return await self.api.put(f"/segments/{segment_id}", body)
        return await self.api.post("/segments", body)

    async def delete(self, segment_id: str) -> None:
        await self.api.delete(f"/segments/{segment_id}")


class ImportsApi:
    """Spreadsheet imports."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def start(self, content: bytes, media_type: str, dry_run: bool) -> dict:
        response = await self.api.request(
            "POST",
            "/imports",
            content=content,
            headers={"content-type": media_type},
            params={"dry_run": "true" if dry_run else "false"},
        )
        return response.json()

    async def run(self, dry_run_id: str) -> dict:
        """Import a finished dry run's file (kept by the service for a while)."""
        return await self.api.post(f"/imports/{dry_run_id}/run")

    async def job(self, job_id: str) -> dict:
        return await self.api.get(f"/imports/{job_id}")


class ReferenceApi:
    """Reference data and list exports."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    async def industries(self) -> dict:
        return await self.api.get("/industries")

    async def officers(self) -> list[dict]:
        return await self.api.get("/officers")

    async def export(self, what: str, params: dict[str, Any]) -> Download:
        return await self.api.download(f"/{what}/export", params)


class ContactsApi:
    """The service's API by subject, for one signed-in person's token."""

    def __init__(self, api: ServiceApi) -> None:

        self.organisations = OrganisationsApi(api)

        self.people = PeopleApi(api)

        self.consent = ConsentApi(api)

        self.privacy = PrivacyApi(api)

        self.follow_ups = FollowUpsApi(api)

        self.segments = SegmentsApi(api)

        self.imports = ImportsApi(api)

        self.reference = ReferenceApi(api)
