"""Registrations as kept here (PyMongo): one document per registration, from its events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import IndexModel, ReturnDocument

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
        first_standing: str | None = None,
        tables: list[str] | None = None,
    ) -> KnownRegistration | None:
        """The registration as it stands now; returns it as it was (None: its first event).
        ``first_standing`` (kept from the first event on) and ``tables``: what it counts for
        on the dashboard."""
        fields: dict[str, Any] = {"meeting_id": meeting_id, "person_id": person_id, "state": state}
        if check_in_code:
            fields["check_in_code"] = check_in_code
        if tables is not None:
            fields["tables"] = tables
        update: dict[str, Any] = {"$set": fields}
        if first_standing:
            update["$setOnInsert"] = {"standing": first_standing}
        before = await self.collection.find_one_and_update(
            {"_id": registration_id},
            update,
            upsert=True,
            return_document=ReturnDocument.BEFORE,
            session=session,
        )
        return self.from_document(before)

    async def of_meeting(self, meeting_id: str, session: Session) -> list[KnownRegistration]:
        return await self.find({"meeting_id": meeting_id}, session)

    async def active(self, meeting_id: str, session: Session) -> list[KnownRegistration]:
        """Those holding a seat or waiting for one."""
        query = {"meeting_id": meeting_id, "state": {"$in": ["confirmed", "waitlisted"]}}
        return await self.find(query, session)
