"""The only place the events service touches PyMongo: meetings, registrations, participants."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from aiq_events.domain import ERASED, Meeting, Registration
from aiq_events.invitations import Campaign, Invitation
from aiq_events.people import Participant
from aiq_events.report import Outcome
from aiq_shared.idempotency import COLLECTION
from aiq_shared.mongo import Database, from_document, to_document
from aiq_shared.pagination import PageParams, after_cursor

MEETINGS = "meetings"
REGISTRATIONS = "registrations"
PARTICIPANTS = "participants"  # read model of aiq.contacts: people
ORGANISATIONS = "organisations"  # read model of aiq.contacts
SEGMENTS = "segments"  # read model of aiq.contacts
INVITATIONS = "invitations"
CAMPAIGNS = "invitation_campaigns"
OUTCOMES = "outcomes"


async def ensure_indexes(database: Database) -> None:
    await database[MEETINGS].create_index("districts")
    await database[REGISTRATIONS].create_index([("meeting_id", 1), ("person_id", 1)])
    await database[REGISTRATIONS].create_index(
        [("meeting_id", 1), ("status", 1), ("waitlist_seq", 1)]
    )
    await database[REGISTRATIONS].create_index("person_id")
    # never twice per meeting, even if two campaigns race
    await database[INVITATIONS].create_index([("meeting_id", 1), ("person_id", 1)], unique=True)
    await database[INVITATIONS].create_index("person_id")
    await database[OUTCOMES].create_index("meeting_id")


class MeetingsRepository:
    def __init__(self, database: Database) -> None:
        self._meetings = database[MEETINGS]
        self._registrations = database[REGISTRATIONS]
        self._participants = database[PARTICIPANTS]
        self._organisations = database[ORGANISATIONS]
        self._segments = database[SEGMENTS]
        self._invitations = database[INVITATIONS]
        self._campaigns = database[CAMPAIGNS]
        self._outcomes = database[OUTCOMES]
        self._database = database

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
        """Their own registration, or the school group they are named in."""
        active = {"meeting_id": meeting_id, "status": {"$ne": "cancelled"}}
        doc = await self._registrations.find_one(
            {**active, "person_id": person_id}, session=session
        ) or await self._registrations.find_one(
            {**active, "group_students.person_id": person_id}, session=session
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

    async def waitlisted(self, meeting_id: str, session: AsyncClientSession) -> list[Registration]:
        docs = (
            await self._registrations.find(
                {"meeting_id": meeting_id, "status": "waitlisted"}, session=session
            )
            .sort("waitlist_seq", 1)
            .to_list()
        )
        return [from_document(Registration, d) for d in docs]  # type: ignore[misc]

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

    async def list_participants(
        self, session: AsyncClientSession | None = None
    ) -> list[Participant]:
        docs = await self._participants.find({"erased": {"$ne": True}}, session=session).to_list()
        return [from_document(Participant, d) for d in docs]  # type: ignore[misc]

    async def forget_participant(self, person_id: str, session: AsyncClientSession) -> None:
        await self._participants.replace_one(
            {"_id": person_id},
            to_document(
                Participant(
                    id=person_id,
                    display_name=ERASED,
                    first_name=ERASED,
                    last_name=ERASED,
                    district=ERASED,
                    erased=True,
                )
            ),
            upsert=True,
            session=session,
        )

    async def members_of(
        self, organisation_id: str, session: AsyncClientSession
    ) -> list[Participant]:
        """People with a membership in the organisation (not only their main one)."""
        docs = await self._participants.find(
            {"memberships.organisation_id": organisation_id}, session=session
        ).to_list()
        return [from_document(Participant, d) for d in docs]  # type: ignore[misc]

    async def move_people(
        self, from_organisation: str, to_organisation: str, session: AsyncClientSession
    ) -> None:
        for collection in (self._participants, self._registrations, self._invitations):
            await collection.update_many(
                {"organisation_id": from_organisation},
                {"$set": {"organisation_id": to_organisation}},
                session=session,
            )

    # organisations and segments (read model)
    async def upsert_organisation(
        self, organisation: dict[str, Any], session: AsyncClientSession
    ) -> None:
        # a merged organisation stays merged, whatever news of it arrives later
        await self._organisations.update_one(
            {"_id": organisation["organisation_id"]},
            {"$set": organisation, "$setOnInsert": {"merged_into": None}},
            upsert=True,
            session=session,
        )

    async def mark_merged(self, merged: str, surviving: str, session: AsyncClientSession) -> None:
        await self._organisations.update_one(
            {"_id": merged}, {"$set": {"merged_into": surviving}}, upsert=True, session=session
        )

    async def organisations(
        self, session: AsyncClientSession | None = None
    ) -> dict[str, dict[str, Any]]:
        docs = await self._organisations.find({"merged_into": None}, session=session).to_list()
        return {d["_id"]: d for d in docs}

    async def organisation_names(self) -> dict[str, str]:
        """Every organisation's name by id (merged ones too: old rows may still name them)."""
        docs = await self._organisations.find({}, {"name": 1}).to_list()
        return {d["_id"]: d["name"] for d in docs if d.get("name")}

    async def save_segment(
        self, segment_id: str, name: str, criteria: dict[str, Any], session: AsyncClientSession
    ) -> None:
        await self._segments.replace_one(
            {"_id": segment_id},
            {"_id": segment_id, "name": name, "filter": criteria},
            upsert=True,
            session=session,
        )

    async def delete_segment(self, segment_id: str, session: AsyncClientSession) -> None:
        await self._segments.delete_one({"_id": segment_id}, session=session)

    async def get_segment(
        self, segment_id: str, session: AsyncClientSession | None = None
    ) -> dict[str, Any] | None:
        return await self._segments.find_one({"_id": segment_id}, session=session)

    # invitations
    async def invited_people(
        self, meeting_id: str, session: AsyncClientSession | None = None
    ) -> set[str]:
        docs = await self._invitations.find(
            {"meeting_id": meeting_id}, {"person_id": 1}, session=session
        ).to_list()
        return {d["person_id"] for d in docs}

    async def add_invitations(
        self, invitations: Sequence[Invitation], session: AsyncClientSession
    ) -> None:
        if invitations:
            await self._invitations.insert_many(
                [to_document(i) for i in invitations], ordered=True, session=session
            )

    async def invitation_of(
        self, meeting_id: str, person_id: str, session: AsyncClientSession
    ) -> Invitation | None:
        doc = await self._invitations.find_one(
            {"meeting_id": meeting_id, "person_id": person_id}, session=session
        )
        return from_document(Invitation, doc)

    async def mark_declined(
        self, invitation_id: str, at: datetime, session: AsyncClientSession
    ) -> bool:
        """Record the no; False if it was recorded before (a no is said once)."""
        result = await self._invitations.update_one(
            {"_id": invitation_id, "declined_at": None},
            {"$set": {"declined_at": at}},
            session=session,
        )
        return result.modified_count == 1

    async def add_campaign(self, campaign: Campaign, session: AsyncClientSession) -> None:
        await self._campaigns.insert_one(to_document(campaign), session=session)

    async def get_invitation(
        self, invitation_id: str, session: AsyncClientSession | None = None
    ) -> Invitation | None:
        return from_document(
            Invitation, await self._invitations.find_one({"_id": invitation_id}, session=session)
        )

    async def list_invitations(self, meeting_id: str, page: PageParams) -> list[Invitation]:
        query: dict[str, Any] = {"meeting_id": meeting_id, **after_cursor(page)}
        docs = await self._invitations.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
        return [from_document(Invitation, d) for d in docs]  # type: ignore[misc]

    async def invited_by_district(self, meeting_id: str) -> dict[str, int]:
        docs = await self._invitations.find({"meeting_id": meeting_id}, {"district": 1}).to_list()
        return dict(Counter(d["district"] for d in docs))

    async def registrations_of_people(
        self, meeting_id: str, person_ids: Sequence[str]
    ) -> list[Registration]:
        docs = await self._registrations.find(
            {"meeting_id": meeting_id, "person_id": {"$in": list(person_ids)}}
        ).to_list()
        return [from_document(Registration, d) for d in docs]  # type: ignore[misc]

    async def all_registrations(
        self, meeting_id: str, session: AsyncClientSession | None = None
    ) -> list[Registration]:
        docs = (
            await self._registrations.find({"meeting_id": meeting_id}, session=session)
            .sort("_id", 1)
            .to_list()
        )
        return [from_document(Registration, d) for d in docs]  # type: ignore[misc]

    async def by_person(self, person_id: str, session: AsyncClientSession) -> list[Registration]:
        docs = await self._registrations.find({"person_id": person_id}, session=session).to_list()
        return [from_document(Registration, d) for d in docs]  # type: ignore[misc]

    async def save_registrations(
        self, registrations: Sequence[Registration], session: AsyncClientSession
    ) -> None:
        for registration in registrations:
            await self.save_registration(registration, session)

    async def expired_offers(self, now: datetime) -> list[Registration]:
        docs = await self._registrations.find(
            {"status": "waitlisted", "offer_expires_at": {"$ne": None, "$lte": now}}
        ).to_list()
        return [from_document(Registration, d) for d in docs]  # type: ignore[misc]

    # outcomes
    async def add_outcomes(self, outcomes: Sequence[Outcome], session: AsyncClientSession) -> None:
        if outcomes:
            await self._outcomes.insert_many([to_document(o) for o in outcomes], session=session)

    async def list_outcomes(self, meeting_id: str, page: PageParams) -> list[Outcome]:
        query: dict[str, Any] = {"meeting_id": meeting_id, **after_cursor(page)}
        docs = await self._outcomes.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
        return [from_document(Outcome, d) for d in docs]  # type: ignore[misc]

    # erasure
    async def erase_person(self, person_id: str, session: AsyncClientSession) -> None:
        """Forget a person's name and address everywhere here; counts stay."""
        await self.forget_participant(person_id, session)
        anonymous = {"display_name": ERASED}
        await self._registrations.update_many(
            {"person_id": person_id}, {"$set": anonymous}, session=session
        )
        await self._invitations.update_many(
            {"person_id": person_id}, {"$set": anonymous}, session=session
        )
        groups = await self._registrations.find(
            {"group_students.person_id": person_id}, session=session
        ).to_list()
        for doc in groups:
            members = [
                {**m, "display_name": ERASED} if m["person_id"] == person_id else m
                for m in doc["group_students"]
            ]
            await self._registrations.update_one(
                {"_id": doc["_id"]}, {"$set": {"group_students": members}}, session=session
            )
        await self._outcomes.update_many(
            {"person_id": person_id}, {"$set": {"note": None}}, session=session
        )
        # stored answers of idempotent requests may repeat the name: they are only a retry cache
        await self._database[COLLECTION].delete_many(
            {"response.person_id": person_id}, session=session
        )
