"""The only place the notifications service touches PyMongo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from aiq_notifications.domain import Delivery, Recipient, StateChange
from aiq_shared.mongo import Database, from_document, to_document
from aiq_shared.pagination import PageParams, after_cursor

RECIPIENTS = "recipients"  # read model of aiq.contacts
DELIVERIES = "deliveries"
DASHBOARDS = "district_dashboards"
ADDRESS_HOLDS = "address_holds"  # hard bounces per address
MEETINGS = "meetings"  # read model of aiq.events: titles for emails
REGISTRATIONS = "registrations"  # read model of aiq.registrations: who to tell of changes
CAMPAIGNS = "campaigns"  # invitation runs (aiq.invitation_campaign.started.v1)
INVITATIONS = "invitations"  # who was invited to what, with their personal link
ORGANISATIONS = "organisations"  # read model of aiq.contacts: partner since, status


async def ensure_indexes(database: Database) -> None:
    await database[RECIPIENTS].create_index("district")
    await database[DELIVERIES].create_index("key", unique=True)
    await database[DELIVERIES].create_index([("state", 1), ("next_attempt_at", 1)])
    await database[DELIVERIES].create_index([("meeting_id", 1), ("district", 1), ("state", 1)])
    await database[DELIVERIES].create_index("person_id")
    await database[DASHBOARDS].create_index("district")
    await database[REGISTRATIONS].create_index([("meeting_id", 1), ("state", 1)])
    await database[DELIVERIES].create_index([("campaign_id", 1), ("state", 1)])
    await database[CAMPAIGNS].create_index("meeting_id")
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

    async def cancel_pending(
        self, meeting_id: str, kinds: list[str], session: AsyncClientSession
    ) -> None:
        """The meeting is off: what was still to be sent about it never will be."""
        change = StateChange(state="dead", at=datetime.now(UTC), detail="meeting cancelled")
        await self._deliveries.update_many(
            {"meeting_id": meeting_id, "kind": {"$in": kinds}, "state": "pending"},
            {
                "$set": {"state": "dead", "last_error": "meeting cancelled"},
                "$push": {"history": change.model_dump()},
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
            for state in ("pending", "sending", "sent", "dead")
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
        query: dict[str, Any] = {"district": {"$in": districts}}
        if since is not None:
            query["starts_at"] = {"$gte": since}
        return await self._dashboards.find(query).sort("starts_at", 1).to_list()


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
    ) -> None:
        fields = {"meeting_id": meeting_id, "person_id": person_id, "state": state}
        if check_in_code:
            fields["check_in_code"] = check_in_code
        if standing:
            fields["standing"] = standing
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
