"""Segments' use cases: a segment is a named, stored filter that invitations can target;
each save or delete is announced (aiq.contacts) and audited, and who it selects is asked of
people, through the caller's scope. A segment belongs to districts (``segments.rules``): it
is found in them (404 elsewhere) and changed by who covers them all."""

from __future__ import annotations

from collections.abc import Sequence

from aiq_contacts.fields import as_stored
from aiq_contacts.people.schemas import Person
from aiq_contacts.people.service import PersonService
from aiq_contacts.search.schemas import CountedPage, ListPage
from aiq_contacts.segments import rules
from aiq_contacts.segments.repository import SegmentRepository
from aiq_contacts.segments.schemas import Segment, SegmentWrite
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import SegmentDeletedV1, SegmentSavedV1
from aiq_shared.errors import NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import Scope

RESOURCE = "segment"


class SegmentService:
    def __init__(
        self,
        database: Database,
        segments: SegmentRepository,
        people: PersonService,
        clock: Clock,
        districts: Sequence[str],
    ) -> None:
        self._database = database
        self._segments = segments
        self._people = people
        self._clock = clock
        self._districts = list(districts)

    async def save(
        self, data: SegmentWrite, scope: Scope, segment_id: str | None = None
    ) -> Segment:
        """A new segment (in its creator's districts), or (``segment_id``) a segment changed
        (it keeps its districts)."""

        async def work(tx: Tx) -> Segment:
            before = None
            districts = rules.districts_of_new(scope, self._districts)
            if segment_id is not None:
                before = await self.get(segment_id, scope, tx)
                rules.require_whole(scope, before)
                districts = before.districts
            segment = Segment(
                id=segment_id or new_id(),
                updated_at=as_stored(self._clock.now()),
                districts=districts,
                **data.model_dump(),
            )
            await self._segments.save(segment, tx.session)
            tx.emit(SegmentSavedV1(segment_id=segment.id, name=segment.name, filter=data.filter))
            action = "created" if before is None else "updated"
            tx.audit(RESOURCE, segment.id, action, changed_fields(before, segment))
            return segment

        return await self._database.transaction(work)

    async def get(self, segment_id: str, scope: Scope, tx: Tx | None = None) -> Segment:
        segment = await self._segments.visible(segment_id, scope, tx.session if tx else None)
        if segment is None:
            raise NotFound(f"no segment {segment_id}")
        return segment

    async def page(self, query: ListPage, scope: Scope) -> CountedPage[Segment]:
        return await self._segments.listed(query.page, query.order, scope)

    async def delete(self, segment_id: str, scope: Scope) -> None:
        async def work(tx: Tx) -> None:
            rules.require_whole(scope, await self.get(segment_id, scope, tx))
            await self._segments.delete(segment_id, tx.session)
            tx.emit(SegmentDeletedV1(segment_id=segment_id))
            tx.audit(RESOURCE, segment_id, "deleted")

        await self._database.transaction(work)

    async def members(self, segment_id: str, query: ListPage, scope: Scope) -> CountedPage[Person]:
        """The people the segment selects now, of those the caller may see."""
        segment = await self.get(segment_id, scope)
        return await self._people.selected_by(segment.filter, query, scope)

    async def backfill(self) -> int:
        """Segments saved before they had districts belong to every district (once, at
        start-up); how many there were."""
        unplaced = await self._segments.unplaced()

        async def work(tx: Tx) -> None:
            for segment in unplaced:
                await self._segments.update(segment.id, {"districts": self._districts}, tx.session)
                tx.audit(RESOURCE, segment.id, "placed", ["districts"])

        if unplaced:
            await self._database.transaction(work)
        return len(unplaced)
