"""Use cases of deliveries: the list, their counts, stopping what is no longer wanted,
erasure (the sender's steps: ``sending.py``; the holds on addresses: ``holds.py``).

Every transition is recorded in the audit trail, by the system or by whoever caused it (a
cancellation stops the meeting's invitations in the name of who cancelled it); what is no
longer to be sent leaves the send queue with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime

import structlog

from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.repository import (
    DeliveriesRepository,
    DeliveryTalliesRepository,
)
from aiq_notifications.deliveries.rules import (
    DELIVERY,
    Delivery,
    DeliveryKind,
    DeliveryState,
)
from aiq_notifications.deliveries.send_queue.repository import SendQueueRepository
from aiq_notifications.deliveries.tallies import DeliveryTally, meeting_tally_id
from aiq_shared.clock import Clock
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams
from aiq_shared.scope import Scope

log = structlog.get_logger(__name__)


class Deliveries:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        holds: AddressHolds,
        changed: Callable[[], None],
    ) -> None:
        self._clock = clock
        self._holds = holds
        self._changed = changed  # deliveries stopped or made dead: live dashboards show it
        self._deliveries = DeliveriesRepository(database)
        self._queue = SendQueueRepository(database)
        self._tallies = DeliveryTalliesRepository(database)
        self.repositories = (self._deliveries, self._queue, self._tallies, *holds.repositories)

    # -- reads (in the caller's scope: a delivery's ``districts``) -------------------------
    async def list(
        self,
        scope: Scope,
        page: PageParams,
        meeting_id: str | None = None,
        person_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
    ) -> Page[Delivery]:
        wanted = {"meeting_id": meeting_id, "person_id": person_id, "kind": kind, "state": state}
        query = scope.narrow({f: v for f, v in wanted.items() if v}, "districts")
        return await self._deliveries.page(query, page)

    async def tallies_of_meetings(
        self, meeting_ids: Sequence[str], district: str | None
    ) -> dict[str, DeliveryTally]:
        """Each meeting's emails by what became of them: to ``district``'s people, or all;
        read in one query, not counted, and not narrowed: whoever may see a meeting sees all
        its emails (each is visible in the meeting's districts: ``rules.delivery_districts``)."""
        totals = {m: DeliveryTally(id=m, meeting_id=m) for m in meeting_ids}
        if district is not None:
            ids = [meeting_tally_id(m, district) for m in meeting_ids]
            found = await self._tallies.by_ids(ids)
        else:
            found = await self._tallies.of_meetings(list(meeting_ids))
        for tally in found:
            if tally.meeting_id in totals:
                totals[tally.meeting_id] = totals[tally.meeting_id].plus(tally)
        return totals

    async def tally_of_campaign(self, campaign_id: str) -> DeliveryTally:
        """The campaign's deliveries by what became of them (one read, not a count: whoever
        may see a campaign sees all its deliveries, each visible in the meeting's districts)."""
        return await self._tallies.get(campaign_id) or DeliveryTally(id=campaign_id)

    async def counts_by_state(self) -> dict[DeliveryState, int]:
        """Every district's deliveries by state (the readings on /metrics)."""
        return await self._deliveries.count_by_state({})

    async def waiting(self) -> int:
        """Deliveries not done yet (pending or sending): ``/ready`` reports them (the send
        queue's entries, small documents, are counted: not the deliveries)."""
        return await self._queue.count({})

    # -- steps of other use cases (in their transaction) --------------------------------
    async def meeting_districts(self, meeting_id: str, districts: list[str], tx: Tx) -> None:
        """The meeting's districts (new, or changed): its emails are visible in them."""
        await self._deliveries.meeting_districts(meeting_id, districts, tx.session)

    async def fill_send_queue(self) -> None:
        """Deliveries kept before the send queue existed get their entries (at start-up,
        while the queue is empty; adding one twice does nothing)."""
        if await self._queue.any():
            return
        for entry in await self._deliveries.waiting():
            await self._queue.enqueue(entry.id, entry.due_at, None)

    async def fill_tallies(self) -> None:
        """Campaigns and meetings of deliveries kept before the tallies existed get theirs,
        counted once (at start-up, while there is no tally)."""
        if await self._tallies.any():
            return
        for tally in await self._deliveries.count_tallies():
            await self._tallies.save(tally, None)

    async def backfill_districts(self, districts_of: Callable[[str], Awaitable[list[str]]]) -> None:
        """Deliveries written before they had districts get them (at start-up, once):
        ``districts_of(meeting_id)`` says the meeting's."""
        for meeting_id in await self._deliveries.meetings_without_districts():
            meeting_districts = await districts_of(meeting_id) if meeting_id else []
            await self._deliveries.meeting_districts(
                meeting_id, meeting_districts, only_missing=True
            )

    async def stop(
        self,
        meeting_id: str,
        kinds: Sequence[str],
        reason: str,
        tx: Tx,
        person_id: str | None = None,
    ) -> None:
        """What is still to be sent about the meeting (to ``person_id``) never will be."""
        stopped = await self._deliveries.stop(
            meeting_id, kinds, reason, self._clock.now(), tx.session, person_id
        )
        for delivery in stopped:
            tx.audit(DELIVERY, delivery.id, "stopped", ["history", "state", "stop_reason"])
        await self._queue.done([delivery.id for delivery in stopped], tx.session)
        self._tallies.add_up("stopped", stopped, tx)
        if stopped:
            tx.after_commit(self._changed)

    async def subjects_of(self, person_id: str, kind: DeliveryKind, tx: Tx) -> list[str]:
        """What the person's emails of ``kind`` were about (a double opt-in: its request)."""
        return await self._deliveries.subjects_of(person_id, kind, tx.session)

    async def forget_person(
        self, person_id: str, at: datetime, tx: Tx, addresses: Iterable[str] = ()
    ) -> None:
        """Erasure: no address and no content left; no hold on any address they had."""
        known = await self._deliveries.addresses_of(person_id, tx.session)
        erased, made_dead = await self._deliveries.forget_person(person_id, at, tx.session)
        for delivery_id in erased:
            tx.audit(DELIVERY, delivery_id, "erased", ["content", "email", "erased"])
        await self._queue.done(erased, tx.session)
        self._tallies.add_up("dead", made_dead, tx)
        if made_dead:
            tx.after_commit(self._changed)
        for address in known | set(addresses):
            await self._holds.clear(address, "cleared_by_erasure", tx)
