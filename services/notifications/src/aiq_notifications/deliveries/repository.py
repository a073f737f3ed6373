"""Deliveries, their send queue, the tallies of campaigns and address holds (PyMongo).

The send queue (``send_queue/repository.py``) is kept apart from the deliveries, which carry whole
rendered emails: on the embedded MongoDB every query that is not a lookup by id reads each
document it considers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import IndexModel, ReturnDocument, UpdateOne

from aiq_notifications.deliveries.rules import (
    DELIVERY_STATES,
    STOPPABLE,
    WAITING,
    Claimed,
    Content,
    Delivery,
    DeliveryState,
    Due,
    HardBounces,
    Lease,
    Move,
    StateChange,
    dead,
    delivery_districts,
    stopped,
)
from aiq_notifications.deliveries.tallies import (
    DeliveryTally,
    Tallied,
    TalliedDelivery,
    meeting_tally_id,
    tally_counts,
)
from aiq_shared.mongo import Database, Tx
from aiq_shared.repository import CountersAtCommit, Query, Repository, Session


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
            IndexModel([("districts", 1), ("_id", 1)]),  # the scope of every list
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

    async def waiting(self) -> list[Due]:
        """Every delivery still to be sent, as a send-queue entry (to fill the queue)."""
        documents = await self.collection.find(
            {"state": {"$in": list(WAITING)}},
            {"state": 1, "next_attempt_at": 1, "lease_until": 1},
        ).to_list()
        return [Due(id=d["_id"], due_at=_lease_end(d) or d["next_attempt_at"]) for d in documents]

    async def move(self, delivery_id: str, move: Move, session: Session) -> None:
        """Write a transition (``rules``), in the use case's transaction."""
        update = {
            "$set": {"state": move.change.state, **move.fields},
            "$push": {"history": move.change.model_dump()},
        }
        await self.collection.update_one({"_id": delivery_id}, update, session=session)

    async def meeting_districts(
        self,
        meeting_id: str | None,
        districts: Iterable[str],
        session: Session = None,
        *,
        only_missing: bool = False,
    ) -> None:
        """The meeting's deliveries are visible in its (new) districts and, each, in its
        recipient's (``only_missing``: only those without districts yet)."""
        query: dict[str, Any] = {"meeting_id": meeting_id}
        if only_missing:
            query["districts"] = {"$exists": False}
        wanted = list(districts)
        for recipient_district in await self.collection.distinct(
            "district", query, session=session
        ):
            await self.collection.update_many(
                {**query, "district": recipient_district},
                {"$set": {"districts": delivery_districts(recipient_district, wanted)}},
                session=session,
            )

    async def meetings_without_districts(self) -> list[str | None]:
        """Meetings (None: no meeting) of deliveries written before they had districts."""
        return await self.collection.distinct("meeting_id", {"districts": {"$exists": False}})

    async def addresses_of(self, person_id: str, session: Session) -> set[str]:
        documents = await self.collection.find(
            {"person_id": person_id}, {"email": 1}, session=session
        ).to_list()
        return {d["email"] for d in documents if d.get("email")}

    async def forget_person(
        self, person_id: str, at: datetime, session: Session
    ) -> tuple[list[str], list[TalliedDelivery]]:
        """Erasure: no address, no content; what was still to be sent never will be. The ids
        of the person's deliveries (their send-queue entries go: the caller), and those that
        were still to be sent (for their tallies)."""
        erased = dead("person erased", at)
        waiting = {"person_id": person_id, "state": {"$in": list(WAITING)}}
        made_dead = await self._tallied(waiting, session)
        await self.collection.update_many(
            waiting,
            {
                "$set": {"state": "dead", **erased.fields},
                "$push": {"history": erased.change.model_dump()},
            },
            session=session,
        )
        ids = await self._ids({"person_id": person_id}, session)
        await self.collection.update_many(
            {"person_id": person_id},
            {"$set": {"email": None, "erased": True}, "$unset": {"content": ""}},
            session=session,
        )
        return ids, made_dead

    async def subjects_of(self, person_id: str, kind: str, session: Session) -> list[str]:
        documents = await self.collection.find(
            {"person_id": person_id, "kind": kind}, {"subject_id": 1}, session=session
        ).to_list()
        return [d["subject_id"] for d in documents]

    async def _ids(self, query: Query, session: Session) -> list[str]:
        documents = await self.collection.find(dict(query), {"_id": 1}, session=session).to_list()
        return [d["_id"] for d in documents]

    async def _tallied(self, query: Query, session: Session) -> list[TalliedDelivery]:
        fields = {"_id": 1, "campaign_id": 1, "meeting_id": 1, "district": 1}
        found = await self.collection.find(dict(query), fields, session=session).to_list()
        return [TalliedDelivery.model_validate({**d, "id": d["_id"]}) for d in found]

    async def count_tallies(self) -> list[DeliveryTally]:
        """Each campaign's and each meeting's tallies counted from their deliveries (to fill
        the tallies once)."""
        tallies = []
        for campaign_id in await self.collection.distinct("campaign_id"):
            if campaign_id:
                tallies.append(await self._counted(campaign_id, {"campaign_id": campaign_id}))
        for meeting_id in await self.collection.distinct("meeting_id"):
            if not meeting_id:
                continue
            for district in await self.collection.distinct("district", {"meeting_id": meeting_id}):
                of_district = {"meeting_id": meeting_id, "district": district}
                tally_id = meeting_tally_id(meeting_id, district)
                tallies.append(await self._counted(tally_id, of_district, **of_district))
        return tallies

    async def _counted(self, tally_id: str, query: Query, **fields: str) -> DeliveryTally:
        """The tally of the deliveries ``query`` selects (with ``fields``: its meeting's)."""
        counts = await self.count_by_state(dict(query))
        return DeliveryTally(
            id=tally_id,
            **fields,
            decided=sum(counts.values()),
            sent=counts["sent"],
            dead=counts["dead"],
            stopped=counts["stopped"],
        )

    async def stop(
        self,
        meeting_id: str,
        kinds: Sequence[str],
        reason: str,
        at: datetime,
        session: Session,
        person_id: str | None = None,
    ) -> list[TalliedDelivery]:
        """What is still to be sent about the meeting (to ``person_id``) never will be: the
        deliveries stopped."""
        query: dict[str, Any] = {
            "meeting_id": meeting_id,
            "kind": {"$in": list(kinds)},
            "state": {"$in": list(STOPPABLE)},
        }
        if person_id is not None:
            query["person_id"] = person_id
        found = await self._tallied(query, session)
        ids = [d.id for d in found]
        if ids:  # (an empty $in breaks the embedded server)
            await self.collection.update_many(
                {"_id": {"$in": ids}},
                {
                    "$set": {"state": "stopped", "stop_reason": reason},
                    "$push": {"history": stopped(reason, at).model_dump()},
                },
                session=session,
            )
        return found

    async def count_by_state(self, query: Query) -> dict[DeliveryState, int]:
        return {state: await self.count({**query, "state": state}) for state in DELIVERY_STATES}


class ClaimedDeliveriesRepository(Repository[Claimed]):
    """The deliveries as the sender takes them (with what they say): claimed, their lease
    renewed, recorded as sent."""

    collection_name = "deliveries"
    model = Claimed

    async def claim(self, ids: Sequence[str], now: datetime, lease: Lease) -> list[Claimed]:
        """Take these deliveries for sending if they are due (pending and due, or sending with
        an expired lease: their sender died), in one update; those taken, in the order of
        ``ids`` (the others are not due any more). Only the holder of their send-queue
        entries' ``lease`` claims them, so its end marks which are this sender's."""
        await self.database.retrying(
            lambda: self.collection.update_many(
                {"_id": {"$in": list(ids)}, **_due(now)},
                {
                    "$set": {"state": "sending", "lease_until": lease.until},
                    "$inc": {"attempts": 1},
                    "$push": {"history": StateChange(state="sending", at=now).model_dump()},
                },
            )
        )
        documents = await self.database.retrying(
            lambda: self.collection.find(
                {"_id": {"$in": list(ids)}, "state": "sending", "lease_until": lease.until}
            ).to_list()
        )
        claimed = {d["_id"]: d for d in documents}
        return self._models([claimed[i] for i in ids if i in claimed])

    async def renew(self, ids: Sequence[str], lease: Lease) -> None:
        """The lease of these deliveries (claimed and still sending) ends later."""
        await self.database.retrying(
            lambda: self.collection.update_many(
                {"_id": {"$in": list(ids)}, "state": "sending"},
                {"$set": {"lease_until": lease.until}},
            )
        )

    async def states(self, ids: Iterable[str]) -> dict[str, DeliveryState]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        documents = await self.collection.find({"_id": {"$in": wanted}}, {"state": 1}).to_list()
        return {d["_id"]: d["state"] for d in documents}

    async def record_sent(self, moves: Sequence[tuple[str, Move]], session: Session) -> list[str]:
        """Each delivery sent (each with its move), unless it was recorded already (by
        another sender): the ids recorded, in one read and one write."""
        if not moves:
            return []
        ids = [delivery_id for delivery_id, _ in moves]
        sending = {
            d["_id"]
            for d in await self.collection.find(
                {"_id": {"$in": ids}, "state": "sending"}, {"_id": 1}, session=session
            ).to_list()
        }
        updates = [
            UpdateOne(
                {"_id": delivery_id, "state": "sending"},
                {
                    "$set": {"state": move.change.state, **move.fields},
                    "$push": {"history": move.change.model_dump()},
                },
            )
            for delivery_id, move in moves
            if delivery_id in sending
        ]
        if updates:
            await self.collection.bulk_write(updates, session=session)
        return [delivery_id for delivery_id in ids if delivery_id in sending]


class DeliveryTalliesRepository(Repository[DeliveryTally]):
    """The tallies of campaigns and of meetings' emails per district (``DeliveryTally``),
    moved by ``$inc`` in the transaction that moves their deliveries (added up over it)."""

    collection_name = "delivery_tallies"
    model = DeliveryTally

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._counters = CountersAtCommit(self.collection)

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("meeting_id")]

    def add_up(self, field: str, deliveries: Iterable[Tallied], tx: Tx) -> None:
        """One more in ``field`` of each tally of each of ``deliveries`` (added up over the
        transaction, written just before it commits)."""
        for (tally_id, meeting_id, district), n in tally_counts(deliveries).items():
            on_insert = {"meeting_id": meeting_id, "district": district} if meeting_id else None
            self._counters.add(tx, tally_id, {field: n}, on_insert=on_insert)

    async def of_meetings(self, meeting_ids: Sequence[str]) -> list[DeliveryTally]:
        """The meetings' tallies, one per meeting and district its emails went to."""
        if not meeting_ids:
            return []  # an empty $in breaks the embedded server
        return await self.find({"meeting_id": {"$in": list(meeting_ids)}})

    async def by_ids(self, tally_ids: Sequence[str]) -> list[DeliveryTally]:
        if not tally_ids:
            return []
        return await self.find({"_id": {"$in": list(tally_ids)}})


class AddressHoldsRepository(Repository[HardBounces]):
    """Hard bounces per address (the address is the id)."""

    collection_name = "address_holds"
    model = HardBounces

    async def hard_bounces(self, email: str) -> int:
        held = await self.get(email)
        return 0 if held is None else held.hard_bounces

    async def among(self, emails: Iterable[str], session: Session = None) -> list[HardBounces]:
        """The records of these addresses that have one (few: only addresses that refused)."""
        wanted = sorted(set(emails))
        if not wanted:  # (an empty $in breaks the embedded server)
            return []
        return await self.find({"_id": {"$in": wanted}}, session=session)

    async def refused_at_least(self, times: int) -> list[HardBounces]:
        return await self.find({"hard_bounces": {"$gte": times}})

    async def bounced(self, email: str, session: Session) -> int:
        document = await self.collection.find_one_and_update(
            {"_id": email},
            {"$inc": {"hard_bounces": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return int(document["hard_bounces"])

    async def clear(self, email: str, session: Session) -> bool:
        """No more hold on the address (it accepted an email, its person was erased, or the
        hold was lifted); False if there was none."""
        return await self.delete(email, session)


def _lease_end(document: dict[str, Any]) -> datetime | None:
    """When a delivery's sender lease ends, if one has it (sending)."""
    return document.get("lease_until") if document["state"] == "sending" else None


def _due(now: datetime) -> dict:
    """Pending and due, or claimed by a sender whose lease ran out (it died sending)."""
    return {
        "$or": [
            {"state": "pending", "next_attempt_at": {"$lte": now}},
            {"state": "sending", "lease_until": {"$lt": now}},
        ]
    }
