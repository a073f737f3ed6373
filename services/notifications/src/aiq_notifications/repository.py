"""Deliveries, dashboards, address holds and campaigns: the notifications service's own data
(PyMongo). The read models of other services' events are in read_models.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from aiq_notifications import domain
from aiq_notifications.domain import Delivery, StateChange
from aiq_shared.mongo import Database, from_document, to_document
from aiq_shared.pagination import PageParams, after_cursor

DELIVERIES = "deliveries"
DASHBOARDS = "district_dashboards"
ADDRESS_HOLDS = "address_holds"  # hard bounces per address
CAMPAIGNS = "campaigns"  # invitation runs (aiq.invitation_campaign.started.v1)


async def ensure_indexes(database: Database) -> None:
    await database[DELIVERIES].create_index("key", unique=True)
    await database[DELIVERIES].create_index([("state", 1), ("next_attempt_at", 1)])
    await database[DELIVERIES].create_index([("meeting_id", 1), ("district", 1), ("state", 1)])
    await database[DELIVERIES].create_index("person_id")
    await database[DELIVERIES].create_index([("campaign_id", 1), ("state", 1)])
    await database[DASHBOARDS].create_index("district")
    await database[CAMPAIGNS].create_index("meeting_id")


class DeliveriesRepository:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._deliveries = database[DELIVERIES]

    async def add_once(
        self, delivery: Delivery, content: dict[str, Any], session: AsyncClientSession
    ) -> bool:
        """Insert unless a delivery with the same key exists; True if it is new."""
        result = await self._deliveries.update_one(
            {"key": delivery.key},
            {"$setOnInsert": {**to_document(delivery), "content": content}},
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None

    async def claim_due(self, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        """Take one due delivery (pending, or sending with an expired lease) for sending."""
        return await self._database.retrying(
            lambda: self._deliveries.find_one_and_update(
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

    async def mark(
        self,
        delivery_id: str,
        change: StateChange,
        extra: dict[str, Any],
        session: AsyncClientSession | None = None,
    ) -> None:
        update = {
            "$set": {"state": change.state, **extra},
            "$push": {"history": change.model_dump()},
        }
        if session is not None:
            await self._deliveries.update_one({"_id": delivery_id}, update, session=session)
        else:
            await self._database.retrying(
                lambda: self._deliveries.update_one({"_id": delivery_id}, update)
            )

    async def addresses_of(self, person_id: str, session: AsyncClientSession) -> set[str]:
        docs = await self._deliveries.find(
            {"person_id": person_id}, {"email": 1}, session=session
        ).to_list()
        return {d["email"] for d in docs if d.get("email")}

    async def forget_person(
        self, person_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """Erasure: no address, no content; what was still to be sent never will be."""
        erased = StateChange(state="dead", at=at, detail="person erased").model_dump()
        await self._deliveries.update_many(
            {"person_id": person_id, "state": {"$in": ["pending", "sending"]}},
            {
                "$set": {"state": "dead", "last_error": "person erased"},
                "$push": {"history": erased},
            },
            session=session,
        )
        await self._deliveries.update_many(
            {"person_id": person_id},
            {"$set": {"email": None, "erased": True}, "$unset": {"content": ""}},
            session=session,
        )

    async def stop(
        self,
        meeting_id: str,
        kinds: list[str],
        reason: str,
        session: AsyncClientSession,
        person_id: str | None = None,
    ) -> None:
        """What is still to be sent about the meeting (to ``person_id``) never will be."""
        query: dict[str, Any] = {
            "meeting_id": meeting_id,
            "kind": {"$in": kinds},
            "state": {"$in": list(domain.STOPPABLE)},
        }
        if person_id is not None:
            query["person_id"] = person_id
        await self._deliveries.update_many(
            query,
            {
                "$set": {"state": "stopped", "stop_reason": reason},
                "$push": {"history": domain.stopped(reason, datetime.now(UTC)).model_dump()},
            },
            session=session,
        )

    async def count_of_campaign(self, campaign_id: str) -> dict[str, int]:
        return await self._count_by_state({"campaign_id": campaign_id})

    async def count_of_meeting(self, meeting_id: str, district: str | None) -> dict[str, int]:
        query = {"meeting_id": meeting_id}
        if district is not None:
            query["district"] = district
        return await self._count_by_state(query)

    async def _count_by_state(self, query: dict[str, Any]) -> dict[str, int]:
        return {
            state: await self._deliveries.count_documents({**query, "state": state})
            for state in domain.DELIVERY_STATES
        }

    async def list(
        self,
        page: PageParams,
        meeting_id: str | None,
        person_id: str | None,
        kind: str | None,
        state: str | None,
    ) -> list[Delivery]:
        query: dict[str, Any] = after_cursor(page)
        for field, value in (
            ("meeting_id", meeting_id),
            ("person_id", person_id),
            ("kind", kind),
            ("state", state),
        ):
            if value:
                query[field] = value
        docs = (
            await self._deliveries.find(query, {"content": 0})
            .sort("_id", 1)
            .limit(page.limit + 1)
            .to_list()
        )
        return [from_document(Delivery, d) for d in docs]  # type: ignore[misc]


class DashboardsRepository:
    def __init__(self, database: Database) -> None:
        self._dashboards = database[DASHBOARDS]

    async def describe_meeting(
        self,
        district: str,
        meeting_id: str,
        fields: dict[str, Any],
        session: AsyncClientSession,
    ) -> None:
        await self._dashboards.update_one(
            {"_id": f"{district}:{meeting_id}"},
            {"$set": {"district": district, "meeting_id": meeting_id, **fields}},
            upsert=True,
            session=session,
        )

    async def count(
        self,
        district: str,
        meeting_id: str,
        increments: dict[str, int],
        session: AsyncClientSession,
    ) -> None:
        if not increments:
            return
        await self._dashboards.update_one(
            {"_id": f"{district}:{meeting_id}"},
            {"$set": {"district": district, "meeting_id": meeting_id}, "$inc": increments},
            upsert=True,
            session=session,
        )

    async def of_districts(
        self, districts: list[str], since: datetime | None = None
    ) -> list[dict[str, Any]]:
        if not districts:  # nobody's: an empty $in breaks the embedded server's planner
            return []
        query: dict[str, Any] = {"district": {"$in": districts}}
        if since is not None:
            query["starts_at"] = {"$gte": since}
        return await self._dashboards.find(query).sort("starts_at", 1).to_list()


class AddressHolds:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._holds = database[ADDRESS_HOLDS]

    async def hard_bounces(self, email: str) -> int:
        doc = await self._holds.find_one({"_id": email})
        return 0 if doc is None else int(doc.get("hard_bounces", 0))

    async def bounced(self, email: str) -> int:
        doc = await self._database.retrying(
            lambda: self._holds.find_one_and_update(
                {"_id": email},
                {"$inc": {"hard_bounces": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        )
        return int(doc["hard_bounces"])

    async def list(self, page: PageParams) -> list[dict[str, Any]]:
        return (
            await self._holds.find(after_cursor(page))
            .sort("_id", 1)
            .limit(page.limit + 1)
            .to_list()
        )

    async def lift(self, email: str) -> bool:
        result = await self._database.retrying(lambda: self._holds.delete_one({"_id": email}))
        return result.deleted_count == 1

    async def clear(self, email: str, session: AsyncClientSession) -> None:
        """No more hold on the address: it accepted an email, or its person was erased."""
        await self._holds.delete_one({"_id": email}, session=session)


class CampaignsRepository:
    def __init__(self, database: Database) -> None:
        self._campaigns = database[CAMPAIGNS]

    async def start(self, fields: dict[str, Any], session: AsyncClientSession) -> None:
        await self._campaigns.update_one(
            {"_id": fields["_id"]}, {"$set": fields}, upsert=True, session=session
        )

    async def skipped(self, campaign_id: str, session: AsyncClientSession) -> None:
        await self._campaigns.update_one(
            {"_id": campaign_id}, {"$inc": {"skipped": 1}}, upsert=True, session=session
        )

    async def get(self, campaign_id: str) -> dict[str, Any] | None:
        return await self._campaigns.find_one({"_id": campaign_id})

    async def list(self, page: PageParams, meeting_id: str | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = after_cursor(page)
        if meeting_id:
            query["meeting_id"] = meeting_id
        return await self._campaigns.find(query).sort("_id", 1).limit(page.limit + 1).to_list()
