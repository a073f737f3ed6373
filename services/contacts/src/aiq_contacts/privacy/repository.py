"""Stored responses of retry-safe writes (aiq_shared.idempotency's collection) as erasure
needs them (PyMongo only here and in the other repositories)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from aiq_shared.idempotency import COLLECTION
from aiq_shared.repository import Repository, Session


class StoredResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    response: dict[str, Any] = {}


class StoredResponseRepository(Repository[StoredResponse]):
    collection_name = COLLECTION
    model = StoredResponse

    async def forget_about(self, resource_id: str, session: Session) -> None:
        """Drop the stored answers that hold the resource (a person's creation)."""
        await self.collection.delete_many({"response.id": resource_id}, session=session)
