"""Cursor pagination, one way for every list: ``limit`` and ``cursor`` in, ``items`` and
``next_cursor`` out.

A list is read in an :class:`Order` (a field, ascending or descending, ties broken by
``_id``). The cursor of an ``_id`` order is the last id itself; in any other order it is an
opaque token of the order's name, the last value and the last id, so a client can't bring a
cursor of one order to another. Repositories use :func:`after` and :func:`sort_spec` and
fetch ``limit + 1`` documents; :func:`page_of` turns them into a :class:`Page`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from bson import ObjectId
from fastapi import Query
from pydantic import BaseModel, Field

from aiq_shared.errors import Unprocessable

NOT_OURS = "cursor is not one this API handed out"


class PageParams(BaseModel):
    """``limit`` and ``cursor`` of a list request (also usable as a query model)."""

    limit: int = Field(default=50, ge=1, le=200, description="Items per page")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` from the previous page"
    )


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    cursor: Annotated[
        str | None,
        Query(description="`next_cursor` from the previous page", max_length=512),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


class Page[T](BaseModel):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Order:
    """How a list is sorted: ``field`` (a document field), ties broken by ``_id``."""

    name: str = "id"
    field: str = "_id"
    descending: bool = False


BY_ID = Order()


def sort_spec(order: Order) -> list[tuple[str, int]]:
    direction = -1 if order.descending else 1
    if order.field == "_id":
        return [("_id", direction)]
    return [(order.field, direction), ("_id", direction)]


def cursor_of(document: dict[str, Any], order: Order = BY_ID) -> str:
    if order.field == "_id":
        return str(document["_id"])
    raw = json.dumps([order.name, document.get(order.field), str(document["_id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after(cursor: str | None, order: Order = BY_ID) -> dict[str, Any]:
    """A filter fragment: the documents after ``cursor`` in ``order`` (empty: from the start).

    MongoDB sorts missing and null values first; they come first ascending, last descending.
    """
    if not cursor:
        return {}
    op = "$lt" if order.descending else "$gt"
    if order.field == "_id":
        if len(cursor) > 64:
            raise Unprocessable(NOT_OURS)
        return {"_id": {op: cursor}}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, value, last_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error, TypeError) as error:
        raise Unprocessable(NOT_OURS) from error
    if name != order.name or not isinstance(last_id, str):
        raise Unprocessable("cursor belongs to another sort order")
    if value is not None and not isinstance(value, (str, int, float)):
        raise Unprocessable(NOT_OURS)
    field = order.field
    same = {field: value, "_id": {op: last_id}}
    if value is None:
        return {"$or": [{field: {"$ne": None}}, same]} if not order.descending else same
    beyond: list[dict[str, Any]] = [{field: {op: value}}, same]
    if order.descending:
        beyond.append({field: None})
    return {"$or": beyond}


def with_cursor(query: dict[str, Any], cursor: str | None, order: Order = BY_ID) -> dict:
    """``query`` narrowed to the documents after ``cursor``."""
    fragment = after(cursor, order)
    if not fragment:
        return query
    if not query:
        return fragment
    return {"$and": [query, fragment]}


def new_id() -> str:
    return str(ObjectId())


def page_of[T](
    items: Sequence[T],
    params: PageParams,
    id_of: Callable[[T], str] | None = None,
    *,
    cursor: Callable[[T], str] | None = None,
) -> Page[T]:
    """``limit + 1`` fetched items as a page: the extra one only tells that there is more.

    The next cursor is ``cursor(last)`` (or the last item's ``id_of``)."""
    if len(items) <= params.limit:
        return Page(items=list(items), next_cursor=None)
    kept = list(items[: params.limit])
    make = cursor or id_of
    if make is None:
        raise TypeError("page_of needs id_of or cursor")
    return Page(items=kept, next_cursor=make(kept[-1]))


def after_cursor(params: PageParams) -> dict:
    """A filter fragment: documents after the cursor in ``_id`` order."""
    return after(params.cursor, BY_ID)


def is_object_id(value: str) -> bool:
    return ObjectId.is_valid(value)
