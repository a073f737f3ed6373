"""Outcomes in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import IndexModel

from aiq_events.outcomes.schemas import Outcome
from aiq_shared.repository import Repository, Session


class OutcomesRepository(Repository[Outcome]):
    collection_name = "outcomes"
    model = Outcome

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("meeting_id")]

    async def forget_notes_of(self, person_id: str, session: Session) -> None:
        """A note about an erased person may name them: it goes; the outcome's facts stay."""
        await self.collection.update_many(
            {"person_id": person_id}, {"$set": {"note": None}}, session=session
        )
