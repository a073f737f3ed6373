"""Invitations and campaigns in MongoDB."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from pymongo import IndexModel

from aiq_events.invitations.schemas import Campaign, Invitation
from aiq_events.meetings.repository import PartOfMeeting
from aiq_shared.pagination import Page, PageParams
from aiq_shared.repository import Repository, Session
from aiq_shared.scope import Scope


class InvitationsRepository(PartOfMeeting[Invitation]):
    """Invitations, each read narrowed by the caller's scope (their meeting's districts)."""

    collection_name = "invitations"
    model = Invitation

    def indexes(self) -> Sequence[IndexModel]:
        return [
            # never twice per meeting, even if two campaigns race
            IndexModel([("meeting_id", 1), ("person_id", 1)], unique=True),
            IndexModel("person_id"),
            *self.part_indexes(),
        ]

    async def listed(self, meeting_id: str, scope: Scope, page: PageParams) -> Page[Invitation]:
        return await self.page(self.of(meeting_id, scope), page)

    async def of_person(
        self, meeting_id: str, person_id: str, session: Session = None
    ) -> Invitation | None:
        return await self.find_one({"meeting_id": meeting_id, "person_id": person_id}, session)

    async def invited_people(self, meeting_id: str, session: Session = None) -> set[str]:
        documents = await self.collection.find(
            {"meeting_id": meeting_id}, {"person_id": 1}, session=session
        ).to_list()
        return {d["person_id"] for d in documents}

    async def invited_among(
        self, meeting_id: str, person_ids: Sequence[str], session: Session = None
    ) -> set[str]:
        """Which of ``person_ids`` are invited to the meeting."""
        documents = await self.collection.find(
            {"meeting_id": meeting_id, "person_id": {"$in": list(person_ids)}},
            {"person_id": 1},
            session=session,
        ).to_list()
        return {d["person_id"] for d in documents}

    async def invited_by_district(self, meeting_id: str, scope: Scope) -> dict[str, int]:
        documents = await self.collection.find(
            self.of(meeting_id, scope), {"district": 1}
        ).to_list()
        return dict(Counter(d["district"] for d in documents))

    async def mark_declined(self, invitation_id: str, at: datetime, session: Session) -> bool:
        """Record the no; False if it was recorded before (a no is said once)."""
        result = await self.collection.update_one(
            {"_id": invitation_id, "declined_at": None},
            {"$set": {"declined_at": at}},
            session=session,
        )
        return result.modified_count == 1

    async def forget_person(self, person_id: str, erased_name: str, session: Session) -> None:
        await self.collection.update_many(
            {"person_id": person_id}, {"$set": {"display_name": erased_name}}, session=session
        )

    async def move_organisation(self, merged: str, surviving: str, session: Session) -> None:
        await self.collection.update_many(
            {"organisation_id": merged}, {"$set": {"organisation_id": surviving}}, session=session
        )


class CampaignsRepository(Repository[Campaign]):
    collection_name = "invitation_campaigns"
    model = Campaign
