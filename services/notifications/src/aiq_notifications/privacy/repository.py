"""Spent consent links (PyMongo): one document per request id whose link works no more."""

from __future__ import annotations

from datetime import datetime

from aiq_notifications.privacy.rules import SpentConsentLink
from aiq_shared.repository import Repository, Session


class SpentConsentLinksRepository(Repository[SpentConsentLink]):
    collection_name = "spent_consent_links"
    model = SpentConsentLink

    async def spend(self, request_id: str, reason: str, at: datetime, session: Session) -> bool:
        """Mark the link spent; False if it was already (a second click, a concurrent one:
        the transactions collide on the same document, and the one retried sees it)."""
        result = await self.collection.update_one(
            {"_id": request_id},
            {"$setOnInsert": {"reason": reason, "at": at}},
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None
