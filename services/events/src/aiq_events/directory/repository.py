"""The contacts read model in MongoDB: people, organisations, saved segments."""

from __future__ import annotations

from typing import Any

from aiq_events.directory.rules import Participant, Segment
from aiq_shared.contracts.contacts import OrganisationSnapshot
from aiq_shared.idempotency import COLLECTION as IDEMPOTENCY_KEYS
from aiq_shared.repository import Repository, Session


class PeopleRepository(Repository[Participant]):
    collection_name = "participants"
    model = Participant

    async def everyone(self, session: Session = None) -> list[Participant]:
        """Everyone not erased."""
        return await self.find({"erased": {"$ne": True}}, session)

    async def members_of(self, organisation_id: str, session: Session) -> list[Participant]:
        """People with a membership in the organisation (not only their main one)."""
        return await self.find({"memberships.organisation_id": organisation_id}, session)

    async def move_organisation(self, merged: str, surviving: str, session: Session) -> None:
        await self.collection.update_many(
            {"organisation_id": merged}, {"$set": {"organisation_id": surviving}}, session=session
        )


class OrganisationsRepository(Repository[OrganisationSnapshot]):
    """Organisations as contacts last described them (the snapshot's JSON) and whether they were
    merged into another. Read as plain documents: what ``aiq_shared.targeting`` matches."""

    collection_name = "organisations"
    model = OrganisationSnapshot

    async def remember(self, organisation: OrganisationSnapshot, session: Session) -> None:
        document = organisation.model_dump(mode="json")
        # a merged organisation stays merged, whatever news of it arrives later
        await self.collection.update_one(
            {"_id": document["organisation_id"]},
            {"$set": document, "$setOnInsert": {"merged_into": None}},
            upsert=True,
            session=session,
        )

    async def mark_merged(self, merged: str, surviving: str, session: Session) -> None:
        await self.collection.update_one(
            {"_id": merged}, {"$set": {"merged_into": surviving}}, upsert=True, session=session
        )

    async def current(self, session: Session = None) -> dict[str, dict[str, Any]]:
        """Every organisation not merged into another, by id."""
        documents = await self.collection.find({"merged_into": None}, session=session).to_list()
        return {d["_id"]: d for d in documents}

    async def names(self) -> dict[str, str]:
        """Every organisation's name by id (merged ones too: old rows may still name them)."""
        documents = await self.collection.find({}, {"name": 1}).to_list()
        return {d["_id"]: d["name"] for d in documents if d.get("name")}


class SegmentsRepository(Repository[Segment]):
    collection_name = "segments"
    model = Segment


class StoredAnswers(Repository[Any]):
    """The stored answers of idempotent requests (``aiq_shared.idempotency``): only a retry
    cache, but an answer may repeat a person's name."""

    collection_name = IDEMPOTENCY_KEYS

    async def forget_person(self, person_id: str, session: Session) -> None:
        await self.collection.delete_many({"response.person_id": person_id}, session=session)
