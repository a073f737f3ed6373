"""Meetings use cases: create, publish (and invite), cancel, list; one transaction each (a
change, which may move the waitlist, is ``meetings.changes``). Each takes the caller's
:class:`~aiq_shared.scope.Scope`: a meeting outside it is not found.

The other subjects read and write a meeting inside their own transactions through
:meth:`MeetingsService.load` (through a scope) and :meth:`MeetingsService.save`, and queue a
meeting's seat changes behind :meth:`MeetingsService.one_at_a_time`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiq_events.invitations.campaigns import Campaigns, Pending
from aiq_events.meetings import rules
from aiq_events.meetings.repository import (
    BY_START,
    BY_START_DESCENDING,
    MeetingsRepository,
)
from aiq_events.meetings.rules import meeting_event
from aiq_events.meetings.schemas import (
    Meeting,
    MeetingCreate,
    MeetingListing,
    PublishedMeeting,
    PublishOptions,
)
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingCreatedV1,
    MeetingPublishedV1,
)
from aiq_shared.errors import NotFound
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import BY_ID, Order, Page, PageParams, new_id
from aiq_shared.scope import Scope

ORDERS: dict[str | None, Order] = {
    None: BY_ID,
    "starts_at": BY_START,
    "-starts_at": BY_START_DESCENDING,
}


@dataclass(frozen=True)
class MeetingsService:
    database: Database
    repository: MeetingsRepository
    campaigns: Campaigns
    districts: Sequence[str]
    clock: Clock
    # One meeting's seat changes queue up here instead of colliding in the database: the
    # transaction stays the guarantee (across replicas too), the lock spares the retries.
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary, repr=False
    )

    def one_at_a_time(self, meeting_id: str) -> asyncio.Lock:
        lock = self._locks.get(meeting_id)
        if lock is None:
            lock = self._locks[meeting_id] = asyncio.Lock()
        return lock

    # for the other subjects, in their transactions ----------------------------------------
    async def load(self, meeting_id: str, tx: Tx, scope: Scope) -> Meeting:
        """The meeting, read through the caller's scope: outside it, 404 as if there were none
        (so ids of other districts can't be probed)."""
        meeting = await self.repository.visible(meeting_id, scope, tx.session)
        if meeting is None:
            raise NotFound(f"no event {meeting_id}")
        return meeting

    async def save(self, meeting: Meeting, tx: Tx) -> None:
        await self.repository.save(meeting, tx.session)

    # use cases ----------------------------------------------------------------------------
    async def create_meeting(
        self, data: MeetingCreate, scope: Scope, idempotency_key: str | None = None
    ) -> Meeting:
        rules.check_districts(data.districts, self.districts)
        rules.check_may_assign(scope, data.districts)

        async def work(tx: Tx) -> Meeting:
            meeting = rules.create(data, new_id)
            await self.repository.add(meeting, tx.session)
            tx.emit(meeting_event(MeetingCreatedV1, meeting))
            tx.audit("meeting", meeting.id, "created", changed_fields(None, meeting))
            return meeting

        return await once(self.database, idempotency_key, "meetings", work, Meeting)

    async def publish_meeting(
        self, meeting_id: str, scope: Scope, options: PublishOptions | None = None
    ) -> PublishedMeeting:
        """Publish and, unless told not to, invite the target (default: the meeting's districts;
        an officer's campaign invites the people of her districts, see ``invitations``).

        The publication, the campaign's start and its first chunk of invitations commit
        together; further chunks follow, a transaction each (see ``invitations.campaigns``).
        """
        options = options or PublishOptions()
        pending = Pending()

        async def work(tx: Tx) -> PublishedMeeting:
            meeting = rules.publish(await self.load(meeting_id, tx, scope), self.clock.now())
            await self.save(meeting, tx)
            tx.emit(meeting_event(MeetingPublishedV1, meeting))
            tx.audit("meeting", meeting.id, "published", ["status"])
            pending.clear()
            if selected is None:
                return PublishedMeeting(**meeting.model_dump())
            started = await self.campaigns.start(meeting, selected, tx, pending)
            return PublishedMeeting(
                **meeting.model_dump(), campaign_id=started.campaign_id, invited=started.invited
            )

        async with self.one_at_a_time(meeting_id):
            selected = None
            if options.invite:  # whom to invite, read before the transaction
                before = await self.get_meeting(meeting_id, scope)
                rules.publish(before, self.clock.now())  # refused early, before the reading
                selected = await self.campaigns.select(before, options, scope)
            published = await self.database.transaction(work)
            await self.campaigns.finish(pending)
        return published

    async def cancel_meeting(self, meeting_id: str, scope: Scope) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            meeting = rules.cancel(await self.load(meeting_id, tx, scope))
            await self.save(meeting, tx)
            tx.emit(meeting_event(MeetingCancelledV1, meeting))
            tx.audit("meeting", meeting.id, "cancelled", ["sequence", "status"])
            return meeting

        return await self.database.transaction(work)

    async def get_meeting(self, meeting_id: str, scope: Scope) -> Meeting:
        meeting = await self.repository.visible(meeting_id, scope)
        if meeting is None:
            raise NotFound(f"no event {meeting_id}")
        return meeting

    async def list_meetings(
        self, page: PageParams, scope: Scope, listing: MeetingListing | None = None
    ) -> Page[Meeting]:
        listing = listing or MeetingListing()
        return await self.repository.listed(rules.listing_query(listing), scope, page,
                                            ORDERS[listing.sort])  # fmt: skip
