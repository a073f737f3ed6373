"""The only place the events service touches PyMongo: meetings, registrations, participants."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from aiq_events.domain import Meeting, Participant, Registration
from aiq_shared.mongo import Database, from_document, to_document
from aiq_shared.pagination import PageParams, after_cursor

MEETINGS = "meetings"
REGISTRATIONS = "registrations"
PARTICIPANTS = "participants"  # read model of aiq.contacts


async def ensure_indexes(database: Database) -> None:
    await database[MEETINGS].create_index("districts")
    await database[REGISTRATIONS].create_index([("meeting_id", 1), ("person_id", 1)])
    await database[REGISTRATIONS].create_index(
        [("meeting_id", 1), ("status", 1), ("waitlist_seq", 1)]
    )


class MeetingsRepository:
    def __init__(self, database: Database) -> None:
        self._meetings = database[MEETINGS]
        self._registrations = database[REGISTRATIONS]
        self._participants = database[PARTICIPANTS]

    # meetings
    async def add_meeting(self, meeting: Meeting, session: AsyncClientSession) -> None:
        await self._meetings.insert_one(to_document(meeting), session=session)

    async def save_meeting(self, meeting: Meeting, session: AsyncClientSession) -> None:
        await self._meetings.replace_one({"_id": meeting.id}, to_document(meeting), session=session)

    async def get_meeting(
        self, meeting_id: str, session: AsyncClientSession | None = None
    ) -> Meeting | None:
        return from_document(
            Meeting, await self._meetings.find_one({"_id": meeting_id}, session=session)
        )

    async def list_meetings(
        self, page: PageParams, district: str | None, status: str | None
    ) -> list[Meeting]:
        query: dict[str, Any] = after_cursor(page)
        if district:
            query["districts"] = district
        if status:
            query["status"] = status
        docs = await self._meetings.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
        return [from_document(Meeting, d) for d in docs]  # type: ignore[misc]

    # registrations
    async def add_registration(
        self, registration: Registration, session: AsyncClientSession
    ) -> None:
        await self._registrations.insert_one(to_document(registration), session=session)

    async def save_registration(
        self, registration: Registration, session: AsyncClientSession
    ) -> None:
        await self._registrations.replace_one(
            {"_id": registration.id}, to_document(registration), session=session
        )

    async def get_registration(
        self, meeting_id: str, registration_id: str, session: AsyncClientSession | None = None
    ) -> Registration | None:
        doc = await self._registrations.find_one(
            {"_id": registration_id, "meeting_id": meeting_id}, session=session
        )
        return from_document(Registration, doc)

    async def active_registration_of(
        self, meeting_id: str, person_id: str, session: AsyncClientSession
    ) -> Registration | None:
        doc = await self._registrations.find_one(
            {"meeting_id": meeting_id, "person_id": person_id, "status": {"$ne": "cancelled"}},
            session=session,
        )
        return from_document(Registration, doc)

    async def first_waitlisted(
        self, meeting_id: str, session: AsyncClientSession
    ) -> Registration | None:
        docs = (
            await self._registrations.find(
                {"meeting_id": meeting_id, "status": "waitlisted"}, session=session
            )
            .sort("waitlist_seq", 1)
            .limit(1)
            .to_list()
        )
        return from_document(Registration, docs[0]) if docs else None

    async def by_check_in_code(
        self, meeting_id: str, code: str, session: AsyncClientSession
    ) -> Registration | None:
        doc = await self._registrations.find_one(
            {"meeting_id": meeting_id, "check_in_code": code}, session=session
        )
        return from_document(Registration, doc)

    async def count_waitlisted(self, meeting_id: str, session: AsyncClientSession) -> int:
        return await self._registrations.count_documents(
            {"meeting_id": meeting_id, "status": "waitlisted"}, session=session
        )

    async def list_registrations(
        self, meeting_id: str, page: PageParams, status: str | None
    ) -> list[Registration]:
        query: dict[str, Any] = {"meeting_id": meeting_id, **after_cursor(page)}
        if status:
            query["status"] = status
        docs = await self._registrations.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
        return [from_document(Registration, d) for d in docs]  # type: ignore[misc]

    # participants (read model)
    async def upsert_participant(
        self, participant: Participant, session: AsyncClientSession
    ) -> None:
        await self._participants.replace_one(
            {"_id": participant.id}, to_document(participant), upsert=True, session=session
        )

    async def get_participant(
        self, person_id: str, session: AsyncClientSession | None = None
    ) -> Participant | None:
        return from_document(
            Participant, await self._participants.find_one({"_id": person_id}, session=session)
        )
