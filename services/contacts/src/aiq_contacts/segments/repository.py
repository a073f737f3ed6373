"""Saved segments (PyMongo only here and in the other repositories), each visible in its
``districts`` (indexed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import IndexModel

from aiq_contacts.search.repository import ListedRepository
from aiq_contacts.search.rules import fold
from aiq_contacts.search.schemas import CountedPage
from aiq_contacts.segments.schemas import Segment
from aiq_shared.pagination import Order, PageParams
from aiq_shared.scope import Scope


class SegmentRepository(ListedRepository[Segment]):
    collection_name = "segments"
    model = Segment

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("districts")]

    def to_document(self, item: Segment) -> dict[str, Any]:
        return super().to_document(item) | {"sort_name": fold(item.name)}

    async def listed(self, params: PageParams, order: Order, scope: Scope) -> CountedPage[Segment]:
        return await self.counted_page({}, params, order, scope)

    async def unplaced(self) -> list[Segment]:
        """Segments saved before they had districts (placed once, at start-up)."""
        return await self.find({"districts": {"$exists": False}})
