"""Read models the notifications service keeps of other services' events (PyMongo, like
repository.py): recipients and organisations (aiq.contacts), meetings and invitations
(aiq.events), registrations (aiq.registrations). Emails and dashboards are decided from them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from aiq_notifications.domain import Recipient
from aiq_shared.mongo import Database, from_document, to_document

RECIPIENTS = "recipients"  # of aiq.contacts: whom to write to
ORGANISATIONS = "organisations"  # of aiq.contacts: partner since, status
MEETINGS = "meetings"  # of aiq.events: titles for emails, reminders
INVITATIONS = "invitations"  # of aiq.events: who was invited to what, with their personal link
REGISTRATIONS = "registrations"  # of aiq.registrations: who to tell of changes


async def ensure_indexes(database: Database) -> None:
    await database[RECIPIENTS].create_index("district")
    await database[REGISTRATIONS].create_index([("meeting_id", 1), ("state", 1)])
    await database[INVITATIONS].create_index("meeting_id")


class RecipientsRepository:
    def __init__(self, database: Database) -> None:
        self._recipients = database[RECIPIENTS]

    async def upsert(self, recipient: Recipient, session: AsyncClientSession) -> None:
        await self._recipients.replace_one(
            {"_id": recipient.id}, to_document(recipient), upsert=True, session=session
        )

    async def get(
        self, person_id: str, session: AsyncClientSession | None = None
    ) -> Recipient | None:
        doc = await self._recipients.find_one({"_id": person_id}, session=session)
        return from_document(Recipient, doc)

    async def delete(self, person_id: str, session: AsyncClientSession) -> None:
        await self._recipients.delete_one({"_id": person_id}, session=session)

    async def withdraw_consent(self, person_id: str, session: AsyncClientSession) -> None:
        await self._recipients.update_one(
            {"_id": person_id}, {"$set": {"email_consent": False}}, session=session
        )


class MeetingsReadModel:
    def __init__(self, database: Database) -> None:
        self._meetings = database[MEETINGS]

    async def upsert(
        self, meeting_id: str, fields: dict[str, Any], session: AsyncClientSession
    ) -> None:
        await self._meetings.update_one(
            {"_id": meeting_id}, {"$set": fields}, upsert=True, session=session
        )

    async def get(
        self, meeting_id: str, session: AsyncClientSession | None = None
    ) -> dict[str, Any] | None:
        return await self._meetings.find_one({"_id": meeting_id}, session=session)

    async def published_since(
        self, meeting_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """Remember when the meeting was first seen published (reminders count from then)."""
        await self._meetings.update_one(
            {"_id": meeting_id, "published_at": {"$exists": False}},
            {"$set": {"published_at": at}},
            session=session,
        )

    async def upcoming_published(self, now: datetime) -> list[dict[str, Any]]:
        return await self._meetings.find(
            {"status": "published", "starts_at": {"$gt": now}}
        ).to_list()

    async def reminded(self, meeting_id: str, kind: str, session: AsyncClientSession) -> None:
        await self._meetings.update_one(
            {"_id": meeting_id}, {"$addToSet": {"reminders_done": kind}}, session=session
        )


class RegistrationsReadModel:
    def __init__(self, database: Database) -> None:
        self._registrations = database[REGISTRATIONS]

    async def record(
        self,
        registration_id: str,
        meeting_id: str,
        person_id: str,
        state: str,
        check_in_code: str | None,
        session: AsyncClientSession,
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
        await self._registrations.update_one(
            {"_id": registration_id}, {"$set": fields}, upsert=True, session=session
        )

    async def get(self, registration_id: str, session: AsyncClientSession) -> dict[str, Any] | None:
        return await self._registrations.find_one({"_id": registration_id}, session=session)

    async def of_meeting(
        self, meeting_id: str, session: AsyncClientSession, states: list[str] | None = None
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"meeting_id": meeting_id}
        if states:
            query["state"] = {"$in": states}
        return await self._registrations.find(query, session=session).to_list()

    async def active(self, meeting_id: str, session: AsyncClientSession) -> list[dict[str, Any]]:
        return await self._registrations.find(
            {"meeting_id": meeting_id, "state": {"$in": ["confirmed", "waitlisted"]}},
            session=session,
        ).to_list()


class InvitationsReadModel:
    def __init__(self, database: Database) -> None:
        self._invitations = database[INVITATIONS]

    async def record(self, fields: dict[str, Any], session: AsyncClientSession) -> None:
        await self._invitations.update_one(
            {"_id": fields["_id"]}, {"$set": fields}, upsert=True, session=session
        )

    async def of_meeting(
        self, meeting_id: str, session: AsyncClientSession | None = None
    ) -> list[dict[str, Any]]:
        return await self._invitations.find({"meeting_id": meeting_id}, session=session).to_list()

    async def link_of(
        self, meeting_id: str, person_id: str, session: AsyncClientSession
    ) -> str | None:
        """The person's personal RSVP link for the meeting, if they were invited."""
        doc = await self._invitations.find_one(
            {"meeting_id": meeting_id, "person_id": person_id}, session=session
        )
        return (doc or {}).get("rsvp_url")


class OrganisationsReadModel:
    def __init__(self, database: Database) -> None:
        self._organisations = database[ORGANISATIONS]

    async def upsert(
        self, organisation_id: str, fields: dict[str, Any], session: AsyncClientSession
    ) -> None:
        await self._organisations.update_one(
            {"_id": organisation_id}, {"$set": fields}, upsert=True, session=session
        )

    async def get(self, organisation_id: str, session: AsyncClientSession) -> dict[str, Any] | None:
        doc = await self._organisations.find_one({"_id": organisation_id}, session=session)
        if doc and doc.get("partner_since"):
            doc["partner_since"] = date.fromisoformat(doc["partner_since"])
        return doc
