"""The contacts read model in MongoDB: people, organisations, saved segments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import IndexModel

from aiq_events.directory.rules import Participant, Segment
from aiq_shared.contracts.contacts import OrganisationSnapshot
from aiq_shared.idempotency import COLLECTION as IDEMPOTENCY_KEYS
from aiq_shared.repository import Repository, Session
from aiq_shared.scope import Scope


class PeopleRepository(Repository[Participant]):
    """People, each visible in their ``districts`` (indexed): staff read them through a scope."""

    collection_name = "participants"
    model = Participant

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("districts"), IndexModel("memberships.organisation_id")]

    async def everyone(self, scope: Scope, session: Session = None) -> list[Participant]:
        """Everyone not erased, in the scope."""
        return await self.find(scope.narrow({"erased": {"$ne": True}}, "districts"), session)

    async def visible(
        self, person_id: str, scope: Scope, session: Session = None
    ) -> Participant | None:
        return await self.find_one(scope.narrow({"_id": person_id}, "districts"), session)

    async def members_of(self, organisation_id: str, session: Session) -> list[Participant]:
        """People with a membership in the organisation (not only their main one)."""
        return await self.find({"memberships.organisation_id": organisation_id}, session)

    async def belonging_to(self, organisation_id: str, session: Session) -> list[Participant]:
        """People whose main organisation or one of whose memberships it is."""
        either = [{"organisation_id": organisation_id},
                  {"memberships.organisation_id": organisation_id}]  # fmt: skip
        return await self.find({"$or": either}, session)


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

    async def names(self, ids: Iterable[str]) -> dict[str, str]:
        """These organisations' names by id (merged ones too: old rows may still name them)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}  # an empty $in breaks the embedded server
        found = self.collection.find({"_id": {"$in": wanted}}, {"name": 1})
        return {d["_id"]: d["name"] for d in await found.to_list() if d.get("name")}

    async def of_ids(self, ids: Iterable[str], session: Session) -> dict[str, dict[str, Any]]:
        """These organisations as stored, by id (for the districts of their people)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        found = self.collection.find({"_id": {"$in": wanted}}, session=session)
        return {d["_id"]: d for d in await found.to_list()}


class SegmentsRepository(Repository[Segment]):
    collection_name = "segments"
    model = Segment


class StoredAnswers(Repository[Any]):
    """The stored answers of idempotent requests (``aiq_shared.idempotency``): only a retry
    cache, but an answer may repeat a person's name."""

    collection_name = IDEMPOTENCY_KEYS

    async def forget_person(self, person_id: str, session: Session) -> None:
        await self.collection.delete_many({"response.person_id": person_id}, session=session)
