"""Meetings use cases: create, publish (and invite), change, cancel; one transaction each.

The other subjects read and write a meeting inside their own transactions through
:meth:`MeetingsService.load` and :meth:`MeetingsService.save`, and queue a meeting's seat
changes behind :meth:`MeetingsService.one_at_a_time`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiq_events.invitations.campaigns import Campaigns, Pending
from aiq_events.meetings import rules
from aiq_events.meetings.repository import MeetingsRepository
from aiq_events.meetings.rules import meeting_event
from aiq_events.meetings.schemas import Meeting, MeetingChange, MeetingCreate, PublishOptions
from aiq_shared.clock import Clock
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingChangedV1,
    MeetingCreatedV1,
    MeetingPublishedV1,
)
from aiq_shared.errors import NotFound
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, new_id


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
    async def load(self, meeting_id: str, tx: Tx) -> Meeting:
        meeting = await self.repository.get(meeting_id, tx.session)
        if meeting is None:
            raise NotFound(f"no event {meeting_id}")
        return meeting

    async def save(self, meeting: Meeting, tx: Tx) -> None:
        await self.repository.save(meeting, tx.session)

    # use cases ----------------------------------------------------------------------------
    async def create_meeting(
        self, data: MeetingCreate, idempotency_key: str | None = None
    ) -> Meeting:
        rules.check_districts(data.districts, self.districts)

        async def work(tx: Tx) -> Meeting:
            meeting = rules.create(data, new_id)
            await self.repository.add(meeting, tx.session)
            tx.emit(meeting_event(MeetingCreatedV1, meeting))
            return meeting

        return await once(self.database, idempotency_key, "meetings", work, Meeting)

    async def publish_meeting(
        self, meeting_id: str, options: PublishOptions | None = None
    ) -> Meeting:
        """Publish and, unless told not to, invite the target (default: the meeting's districts).

        The publication, the campaign's start and its first chunk of invitations commit
        together; further chunks follow, a transaction each (see ``invitations.campaigns``).
        """
        options = options or PublishOptions()
        pending = Pending()

        async def work(tx: Tx) -> Meeting:
            meeting = rules.publish(await self.load(meeting_id, tx), self.clock.now())
            await self.save(meeting, tx)
            tx.emit(meeting_event(MeetingPublishedV1, meeting))
            pending.clear()
            if options.invite:
                await self.campaigns.start(meeting, options, tx, pending)
            return meeting

        async with self.one_at_a_time(meeting_id):
            meeting = await self.database.transaction(work)
            await self.campaigns.finish(pending)
        return meeting

    async def change_meeting(self, meeting_id: str, update: MeetingChange) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            meeting, changed = rules.change(await self.load(meeting_id, tx), update)
            if changed:
                await self.save(meeting, tx)
                tx.emit(meeting_event(MeetingChangedV1, meeting, changed=changed))
            return meeting

        return await self.database.transaction(work)

    async def cancel_meeting(self, meeting_id: str) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            meeting = rules.cancel(await self.load(meeting_id, tx))
            await self.save(meeting, tx)
            tx.emit(meeting_event(MeetingCancelledV1, meeting))
            return meeting

        return await self.database.transaction(work)

    async def get_meeting(self, meeting_id: str) -> Meeting:
        meeting = await self.repository.get(meeting_id)
        if meeting is None:
            raise NotFound(f"no event {meeting_id}")
        return meeting

    async def list_meetings(
        self, page: PageParams, district: str | None = None, status: str | None = None
    ) -> Page[Meeting]:
        query: dict[str, str] = {}
        if district:
            query["districts"] = district
        if status:
            query["status"] = status
        return await self.repository.page(query, page)
