"""Cursor pagination for list endpoints: ids are ObjectId strings, so they sort by creation."""

from __future__ import annotations

from typing import Annotated

from bson import ObjectId
from fastapi import Query
from pydantic import BaseModel

from aiq_shared.errors import Unprocessable


class PageParams(BaseModel):
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` from the previous page", max_length=64)
    ] = None,
) -> PageParams:
    if cursor is not None and not ObjectId.is_valid(cursor):
        raise Unprocessable("cursor is not one this API handed out")
    return PageParams(limit=limit, cursor=cursor)


class Page[T](BaseModel):
    items: list[T]
    next_cursor: str | None = None


def after_cursor(params: PageParams) -> dict:
    """A filter fragment: documents after the cursor (ids are ObjectId strings)."""
    return {"_id": {"$gt": params.cursor}} if params.cursor else {}


def new_id() -> str:
    return str(ObjectId())


def page_of[T](items: list[T], params: PageParams, id_of) -> Page[T]:
    """Repositories fetch ``limit + 1`` items; the extra one only tells that there is more."""
    if len(items) > params.limit:
        items = items[: params.limit]
        return Page(items=items, next_cursor=id_of(items[-1]))
    return Page(items=items, next_cursor=None)
