"""The read models of other services' data (PyMongo): recipients and organisations (from
``aiq.contacts``), meetings and invitations (from ``aiq.events``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pymongo import IndexModel

from aiq_notifications.directory.rules import Invitation, Organisation, Recipient
from aiq_shared.repository import Repository, Session


class RecipientsRepository(Repository[Recipient]):
    """Whom to write to (people from aiq.contacts)."""

    collection_name = "recipients"
    model = Recipient

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("district")]


class OrganisationsRepository(Repository[Organisation]):
    """Organisations from aiq.contacts: their officer, partner since."""

    collection_name = "organisations"
    model = Organisation


class MeetingDocument(BaseModel):
    """A meeting as kept here (directory.rules.known_meeting): read as a plain document."""

    model_config = ConfigDict(extra="allow")

    id: str


class MeetingsRepository(Repository[MeetingDocument]):
    """Meetings from aiq.events: what emails say of them, and which reminders went out."""

    collection_name = "meetings"
    model = MeetingDocument

    async def upsert(self, meeting_id: str, fields: dict[str, Any], session: Session) -> None:
        await self.collection.update_one(
            {"_id": meeting_id}, {"$set": fields}, upsert=True, session=session
        )

    async def document(self, meeting_id: str, session: Session = None) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": meeting_id}, session=session)

    async def published_since(self, meeting_id: str, at: datetime, session: Session) -> None:
        """Remember when the meeting was first seen published (reminders count from then)."""
        await self.collection.update_one(
            {"_id": meeting_id, "published_at": {"$exists": False}},
            {"$set": {"published_at": at}},
            session=session,
        )

    async def upcoming_published(self, now: datetime) -> list[dict[str, Any]]:
        return await self.collection.find(
            {"status": "published", "starts_at": {"$gt": now}}
        ).to_list()

    async def reminded(self, meeting_id: str, kind: str, session: Session) -> None:
        await self.collection.update_one(
            {"_id": meeting_id}, {"$addToSet": {"reminders_done": kind}}, session=session
        )


class InvitationsRepository(Repository[Invitation]):
    """Who was invited to what, with their personal links (aiq.events)."""

    collection_name = "invitations"
    model = Invitation

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("meeting_id")]

    async def record(self, invitation_id: str, fields: dict[str, Any], session: Session) -> None:
        """Set what an event tells of the invitation (created and declined may come in
        either order)."""
        await self.collection.update_one(
            {"_id": invitation_id}, {"$set": fields}, upsert=True, session=session
        )

    async def of_meeting(self, meeting_id: str, session: Session = None) -> list[Invitation]:
        return await self.find({"meeting_id": meeting_id}, session)

    async def of_person(
        self, meeting_id: str, person_id: str, session: Session = None
    ) -> Invitation | None:
        return await self.find_one({"meeting_id": meeting_id, "person_id": person_id}, session)
