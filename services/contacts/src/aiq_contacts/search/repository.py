"""How the contacts' lists are read: a page in an order, with the total, on top of
``aiq_shared.repository.Repository``; and a name search as a query.

A query that can select nobody (organisation criteria no organisation meets) is ``None``,
never an empty ``$in`` (which the embedded server cannot run): its page is empty at once.
User text becomes an escaped, anchored regular expression on the stored folded ``search``
field, never a query operator.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from aiq_contacts.search.rules import search_pattern
from aiq_contacts.search.schemas import CountedPage
from aiq_shared.errors import Unprocessable
from aiq_shared.pagination import NOT_OURS, Order, PageParams, after, is_object_id, sort_spec
from aiq_shared.repository import Repository, Session

Query = dict[str, Any] | None  # None: selects nobody


def name_search(q: str | None) -> list[dict[str, Any]]:
    """Each word of ``q`` must begin a word of the stored ``search`` field."""
    return [{"search": {"$regex": pattern}} for pattern in search_pattern(q or "")]


def all_of(parts: list[dict[str, Any]]) -> dict[str, Any]:
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


def check_cursor(cursor: str | None, order: Order) -> None:
    """A cursor this API handed out for ``order``, or 422: in id order the last id itself
    (an ObjectId), in any other order a token naming the order."""
    if cursor and order.field == "_id" and not is_object_id(cursor):
        raise Unprocessable(NOT_OURS)
    after(cursor, order)


class ListedRepository[M: BaseModel](Repository[M]):
    """A repository whose lists answer with their total."""

    async def counted_page(
        self, query: Query, params: PageParams, order: Order, session: Session = None
    ) -> CountedPage[M]:
        check_cursor(params.cursor, order)  # a bad cursor is refused even when nobody matches
        if query is None:
            return CountedPage(items=[], total=0)
        page = await self.page(query, params, order, session)
        return CountedPage(
            items=page.items, next_cursor=page.next_cursor, total=await self.count(query, session)
        )

    async def in_order(self, query: Query, order: Order, most: int) -> list[M]:
        """The first ``most`` items ``query`` selects, in ``order`` (a whole list: exports)."""
        if query is None:
            return []
        return await self.find(query, sort=sort_spec(order), limit=most)
