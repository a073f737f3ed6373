"""Registrations as kept here (PyMongo): one document per registration, from its events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import IndexModel

from aiq_notifications.registrations.rules import KnownRegistration
from aiq_shared.repository import Repository, Session


class RegistrationsRepository(Repository[KnownRegistration]):
    collection_name = "registrations"  # of aiq.registrations: who to tell of changes
    model = KnownRegistration

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel([("meeting_id", 1), ("state", 1)])]

    async def record(
        self,
        registration_id: str,
        meeting_id: str,
        person_id: str,
        state: str,
        check_in_code: str | None,
        session: Session,
        standing: str | None = None,
        tables: list[str] | None = None,
    ) -> None:
        """``standing`` and ``tables``: what the registration counts for on the dashboard."""
        fields: dict[str, Any] = {"meeting_id": meeting_id, "person_id": person_id, "state": state}
        if check_in_code:
            fields["check_in_code"] = check_in_code
        if standing:
            fields["standing"] = standing
        if tables is not None:
            fields["tables"] = tables
        await self.collection.update_one(
            {"_id": registration_id}, {"$set": fields}, upsert=True, session=session
        )

    async def of_meeting(self, meeting_id: str, session: Session) -> list[KnownRegistration]:
        return await self.find({"meeting_id": meeting_id}, session)

    async def active(self, meeting_id: str, session: Session) -> list[KnownRegistration]:
        """Those holding a seat or waiting for one."""
        query = {"meeting_id": meeting_id, "state": {"$in": ["confirmed", "waitlisted"]}}
        return await self.find(query, session)
