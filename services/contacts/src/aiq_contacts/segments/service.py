"""Segments' use cases: a segment is a named, stored filter that invitations can target;
each save or delete is announced (aiq.contacts), and who it selects is asked of people."""

from __future__ import annotations

from aiq_contacts.fields import as_stored
from aiq_contacts.people.schemas import Person
from aiq_contacts.people.service import PersonService
from aiq_contacts.search.schemas import CountedPage, ListPage
from aiq_contacts.segments.repository import SegmentRepository
from aiq_contacts.segments.schemas import Segment, SegmentWrite
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import SegmentDeletedV1, SegmentSavedV1
from aiq_shared.errors import NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id


class SegmentService:
    def __init__(
        self,
        database: Database,
        segments: SegmentRepository,
        people: PersonService,
        clock: Clock,
    ) -> None:
        self._database = database
        self._segments = segments
        self._people = people
        self._clock = clock

    async def save(self, data: SegmentWrite, segment_id: str | None = None) -> Segment:
        """A new segment, or (``segment_id``) a segment changed."""

        async def work(tx: Tx) -> Segment:
            if segment_id is not None:
                await self.get(segment_id, tx)
            segment = Segment(
                id=segment_id or new_id(),
                updated_at=as_stored(self._clock.now()),
                **data.model_dump(),
            )
            await self._segments.save(segment, tx.session)
            tx.emit(SegmentSavedV1(segment_id=segment.id, name=segment.name, filter=data.filter))
            return segment

        return await self._database.transaction(work)

    async def get(self, segment_id: str, tx: Tx | None = None) -> Segment:
        segment = await self._segments.get(segment_id, tx.session if tx else None)
        if segment is None:
            raise NotFound(f"no segment {segment_id}")
        return segment

    async def page(self, query: ListPage) -> CountedPage[Segment]:
        return await self._segments.listed(query.page, query.order)

    async def delete(self, segment_id: str) -> None:
        async def work(tx: Tx) -> None:
            await self.get(segment_id, tx)
            await self._segments.delete(segment_id, tx.session)
            tx.emit(SegmentDeletedV1(segment_id=segment_id))

        await self._database.transaction(work)

    async def members(self, segment_id: str, query: ListPage) -> CountedPage[Person]:
        """The people the segment selects now."""
        segment = await self.get(segment_id)
        return await self._people.selected_by(segment.filter, query)
