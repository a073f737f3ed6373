"""Outcomes in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import IndexModel

from aiq_events.meetings.repository import PartOfMeeting
from aiq_events.outcomes.schemas import Outcome
from aiq_shared.pagination import Page, PageParams
from aiq_shared.repository import Session
from aiq_shared.scope import Scope


class OutcomesRepository(PartOfMeeting[Outcome]):
    """Outcomes, each read narrowed by the caller's scope (their meeting's districts)."""

    collection_name = "outcomes"
    model = Outcome

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("meeting_id"), *self.part_indexes()]

    async def listed(self, meeting_id: str, scope: Scope, page: PageParams) -> Page[Outcome]:
        return await self.page(self.of(meeting_id, scope), page)

    async def forget_notes_of(self, person_id: str, session: Session) -> None:
        """A note about an erased person may name them: it goes; the outcome's facts stay."""
        await self.collection.update_many(
            {"person_id": person_id}, {"$set": {"note": None}}, session=session
        )
