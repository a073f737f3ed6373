"""Deliveries and address holds (PyMongo)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import IndexModel, ReturnDocument

from aiq_notifications.deliveries.rules import (
    DELIVERY_STATES,
    STOPPABLE,
    Claimed,
    Content,
    Delivery,
    DeliveryState,
    HardBounces,
    Move,
    StateChange,
    dead,
    stopped,
)
from aiq_shared.repository import Query, Repository, Session


class DeliveriesRepository(Repository[Delivery]):
    collection_name = "deliveries"
    model = Delivery

    def indexes(self) -> Sequence[IndexModel]:
        return [
            IndexModel("key", unique=True),
            IndexModel([("state", 1), ("next_attempt_at", 1)]),
            IndexModel([("meeting_id", 1), ("district", 1), ("state", 1)]),
            IndexModel("person_id"),
            IndexModel([("campaign_id", 1), ("state", 1)]),
        ]

    async def add_once(self, delivery: Delivery, content: Content, session: Session) -> bool:
        """Insert unless a delivery with the same key exists; True if it is new."""
        result = await self.collection.update_one(
            {"key": delivery.key},
            {"$setOnInsert": {**self.to_document(delivery), "content": content.model_dump()}},
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None

    async def claim_due(self, now: datetime, lease_until: datetime) -> Claimed | None:
        """Take one due delivery (pending, or sending with an expired lease) for sending."""
        document = await self.database.retrying(
            lambda: self.collection.find_one_and_update(
                {
                    "$or": [
                        {"state": "pending", "next_attempt_at": {"$lte": now}},
                        {"state": "sending", "lease_until": {"$lt": now}},
                    ]
                },
                {
                    "$set": {"state": "sending", "lease_until": lease_until},
                    "$inc": {"attempts": 1},
                    "$push": {"history": StateChange(state="sending", at=now).model_dump()},
                },
                sort=[("next_attempt_at", 1)],
                return_document=ReturnDocument.AFTER,
            )
        )
        return (
            None
            if document is None
            else Claimed.model_validate({**document, "id": document["_id"]})
        )

    async def move(self, delivery_id: str, move: Move, session: Session = None) -> None:
        """Write a transition (``rules``): in a transaction, or on its own, retried."""
        update = {
            "$set": {"state": move.change.state, **move.fields},
            "$push": {"history": move.change.model_dump()},
        }
        if session is not None:
            await self.collection.update_one({"_id": delivery_id}, update, session=session)
        else:
            await self.database.retrying(
                lambda: self.collection.update_one({"_id": delivery_id}, update)
            )

    async def addresses_of(self, person_id: str, session: Session) -> set[str]:
        documents = await self.collection.find(
            {"person_id": person_id}, {"email": 1}, session=session
        ).to_list()
        return {d["email"] for d in documents if d.get("email")}

    async def forget_person(self, person_id: str, at: datetime, session: Session) -> None:
        """Erasure: no address, no content; what was still to be sent never will be."""
        erased = dead("person erased", at)
        await self.collection.update_many(
            {"person_id": person_id, "state": {"$in": ["pending", "sending"]}},
            {
                "$set": {"state": "dead", **erased.fields},
                "$push": {"history": erased.change.model_dump()},
            },
            session=session,
        )
        await self.collection.update_many(
            {"person_id": person_id},
            {"$set": {"email": None, "erased": True}, "$unset": {"content": ""}},
            session=session,
        )

    async def stop(
        self,
        meeting_id: str,
        kinds: Sequence[str],
        reason: str,
        at: datetime,
        session: Session,
        person_id: str | None = None,
    ) -> None:
        """What is still to be sent about the meeting (to ``person_id``) never will be."""
        query: dict[str, Any] = {
            "meeting_id": meeting_id,
            "kind": {"$in": list(kinds)},
            "state": {"$in": list(STOPPABLE)},
        }
        if person_id is not None:
            query["person_id"] = person_id
        await self.collection.update_many(
            query,
            {
                "$set": {"state": "stopped", "stop_reason": reason},
                "$push": {"history": stopped(reason, at).model_dump()},
            },
            session=session,
        )

    async def count_by_state(self, query: Query) -> dict[DeliveryState, int]:
        return {state: await self.count({**query, "state": state}) for state in DELIVERY_STATES}

    async def count_in(self, states: Sequence[DeliveryState]) -> int:
        return await self.count({"state": {"$in": list(states)}})


class AddressHoldsRepository(Repository[HardBounces]):
    """Hard bounces per address (the address is the id)."""

    collection_name = "address_holds"
    model = HardBounces

    async def hard_bounces(self, email: str) -> int:
        held = await self.get(email)
        return 0 if held is None else held.hard_bounces

    async def bounced(self, email: str) -> int:
        document = await self.database.retrying(
            lambda: self.collection.find_one_and_update(
                {"_id": email},
                {"$inc": {"hard_bounces": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        )
        return int(document["hard_bounces"])

    async def lift(self, email: str) -> bool:
        result = await self.database.retrying(lambda: self.collection.delete_one({"_id": email}))
        return result.deleted_count == 1

    async def clear(self, email: str, session: Session) -> None:
        """No more hold on the address: it accepted an email, or its person was erased."""
        await self.delete(email, session)
