"""How the contacts' lists are read: a page in an order, with the total, on top of
``aiq_shared.repository.Repository``; and a name search as a query.

A query that can select nobody (organisation criteria no organisation meets) is ``None``,
never an empty ``$in`` (which the embedded server cannot run): its page is empty at once.
User text becomes an escaped, anchored regular expression on the stored folded ``search``
field, never a query operator.

Every read of a listed collection takes the caller's :class:`~aiq_shared.scope.Scope` and
narrows its query by it, on the field that holds the document's districts
(``districts_field``): what lies outside the scope is not found, as if it did not exist.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel

from aiq_contacts.search.rules import search_pattern
from aiq_contacts.search.schemas import CountedPage
from aiq_shared.errors import Unprocessable
from aiq_shared.pagination import NOT_OURS, Order, PageParams, after, is_object_id, sort_spec
from aiq_shared.repository import Repository, Session
from aiq_shared.scope import Scope

Query = dict[str, Any] | None  # None: selects nobody


def name_search(q: str | None) -> list[dict[str, Any]]:
    """Each word of ``q`` must begin a word of the stored ``search`` field."""
    return [
        {"$or": [{"search": {"$regex": start}}, {"search": {"$regex": after_space}}]}
        for start, after_space in search_pattern(q or "")
    ]


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
    """A repository whose documents belong to districts, read through a scope; its lists
    answer with their total."""

    # the field holding a document's district (or its list of districts)
    districts_field: ClassVar[str] = "districts"

    def scoped(self, query: Query, scope: Scope) -> Query:
        """``query`` narrowed to the documents in ``scope`` (None stays None: nobody)."""
        return None if query is None else scope.narrow(query, self.districts_field)

    async def narrowed(self, query: Query, scope: Scope) -> Query:
        """:meth:`scoped`, as lists ask it (a repository may read what it needs for that)."""
        return self.scoped(query, scope)

    async def visible(self, item_id: str, scope: Scope, session: Session = None) -> M | None:
        """The item, if it is in ``scope`` (else None, as if there were none)."""
        return await self.find_one(scope.narrow({"_id": item_id}, self.districts_field), session)

    async def counted_page(
        self, query: Query, params: PageParams, order: Order, scope: Scope, session: Session = None
    ) -> CountedPage[M]:
        check_cursor(params.cursor, order)  # a bad cursor is refused even when nobody matches
        query = await self.narrowed(query, scope)
        if query is None:
            return CountedPage(items=[], total=0)
        page = await self.page(query, params, order, session)
        return CountedPage(
            items=page.items, next_cursor=page.next_cursor, total=await self.count(query, session)
        )

    async def in_order(self, query: Query, order: Order, most: int, scope: Scope) -> list[M]:
        """The first ``most`` items ``query`` selects in ``scope``, in ``order`` (a whole
        list: exports)."""
        query = await self.narrowed(query, scope)
        if query is None:
            return []
        return await self.find(query, sort=sort_spec(order), limit=most)
