"""Saved segments (PyMongo only here and in the other repositories)."""

from __future__ import annotations

from typing import Any

from aiq_contacts.search.repository import ListedRepository
from aiq_contacts.search.rules import fold
from aiq_contacts.search.schemas import CountedPage
from aiq_contacts.segments.schemas import Segment
from aiq_shared.pagination import Order, PageParams


class SegmentRepository(ListedRepository[Segment]):
    collection_name = "segments"
    model = Segment

    def to_document(self, item: Segment) -> dict[str, Any]:
        return super().to_document(item) | {"sort_name": fold(item.name)}

    async def listed(self, params: PageParams, order: Order) -> CountedPage[Segment]:
        return await self.counted_page({}, params, order)
