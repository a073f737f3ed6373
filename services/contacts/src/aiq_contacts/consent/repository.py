"""The consent history and the double opt-in requests (PyMongo only here and in the other
repositories)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pymongo import IndexModel

from aiq_contacts.consent.schemas import ConsentRecord, OptInRequested
from aiq_shared.repository import Repository, Session


class ConsentRecordRepository(Repository[ConsentRecord]):
    collection_name = "consent_records"
    model = ConsentRecord

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("person_id")]

    async def history_of(self, person_id: str, session: Session = None) -> list[ConsentRecord]:
        """Oldest first."""
        return await self.find(
            {"person_id": person_id}, session, sort=[("recorded_at", 1), ("_id", 1)]
        )

    async def forget(self, person_id: str, session: Session) -> None:
        await self.collection.delete_many({"person_id": person_id}, session=session)


class StoredOptInRequest(OptInRequested):
    """A request as it is kept: pending until the person confirms it."""

    id: str
    status: Literal["pending", "confirmed"] = "pending"
    confirmed_at: datetime | None = None


class OptInRequestRepository(Repository[StoredOptInRequest]):
    collection_name = "double_opt_in_requests"
    model = StoredOptInRequest

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("person_id")]

    async def ask(self, request: OptInRequested, session: Session) -> None:
        await self.add(StoredOptInRequest(id=request.request_id, **request.model_dump()), session)

    async def pending(
        self, request_id: str, person_id: str, purpose: str, session: Session
    ) -> StoredOptInRequest | None:
        """The request, if this service asked this person for this purpose and it is not
        confirmed yet (a request is confirmed once)."""
        query = {"_id": request_id, "person_id": person_id, "purpose": purpose}
        return await self.find_one({**query, "status": "pending"}, session)

    async def confirm(self, request_id: str, at: datetime, session: Session) -> None:
        await self.update(request_id, {"status": "confirmed", "confirmed_at": at}, session)

    async def of_person(self, person_id: str) -> list[OptInRequested]:
        found = await self.find({"person_id": person_id}, sort=[("_id", 1)])
        return [OptInRequested.model_validate(request.model_dump()) for request in found]

    async def forget(self, person_id: str, session: Session) -> None:
        await self.collection.delete_many({"person_id": person_id}, session=session)
