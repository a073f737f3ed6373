"""Searches, filters, sorting and cursors for lists, as MongoDB query documents. No I/O.

A filter is an :class:`aiq_shared.targeting.ContactFilter` (the meaning every service shares);
this module says how it reads as queries over the contacts collections. Only typed values reach
a query: user text becomes an escaped regular expression, never an operator. A filter that can
select nobody (organisation criteria no organisation meets) is ``None``, never an empty ``$in``
(which the embedded server cannot run): the repository answers it with an empty page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from aiq_contacts.names import search_pattern
from aiq_shared.errors import Unprocessable
from aiq_shared.targeting import ContactFilter

Sort = Literal["created", "-created", "name", "-name", "due", "-due"]
SORT_FIELDS = {"created": "_id", "name": "sort_name", "due": "due_sort"}
NO_DUE_DATE = "9999-12-31"  # follow-ups without a due date come last in due order


class ListQuery(BaseModel):
    """One list request: what to select, in which order, from where on."""

    filter: ContactFilter = ContactFilter()
    industry_sections: list[str] = []  # WZ 2008 sections: organisation criteria too
    q: str | None = None
    sort: Sort = "created"
    limit: int = 50
    cursor: str | None = None


class CountedPage[T](BaseModel):
    items: list[T]
    next_cursor: str | None = None
    total: int


Query = dict[str, Any] | None  # None: selects nobody


def _search(q: str | None) -> list[dict[str, Any]]:
    return [{"search": {"$regex": pattern}} for pattern in search_pattern(q or "")]


def _partner_since(criteria: ContactFilter) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if criteria.partner_since_from:
        bounds["$gte"] = criteria.partner_since_from.isoformat()
    if criteria.partner_since_to:
        bounds["$lte"] = criteria.partner_since_to.isoformat()
    return {"partner_since": bounds} if bounds else {}


def organisation_criteria(
    criteria: ContactFilter, sections: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The filter's organisation criteria (not tags: those count on person or organisation)
    and the WZ 2008 ``sections`` of the industry."""
    parts: list[dict[str, Any]] = []
    for field, wanted in (
        ("industry", criteria.industries),
        ("industry_section", sections),
        ("status", criteria.statuses),
        ("kind", criteria.organisation_kinds),
        ("officer", criteria.officers),
    ):
        if wanted:
            parts.append({field: {"$in": list(wanted)}})
    if since := _partner_since(criteria):
        parts.append(since)
    return parts


def organisation_query(
    criteria: ContactFilter, q: str | None = None, sections: Sequence[str] = ()
) -> dict[str, Any]:
    parts = organisation_criteria(criteria, sections) + _search(q)
    if criteria.districts:
        parts.append({"district": {"$in": list(criteria.districts)}})
    if criteria.tags:
        parts.append({"tags": {"$in": list(criteria.tags)}})
    return _all(parts)


def member_of(organisation_ids: list[str]) -> dict[str, Any]:
    """People who belong to one of the organisations (main or other membership; people stored
    before memberships have only ``organisation_id``)."""
    return {
        "$or": [
            {"organisation_id": {"$in": organisation_ids}},
            {"memberships.organisation_id": {"$in": organisation_ids}},
        ]
    }


def person_query(
    criteria: ContactFilter,
    q: str | None = None,
    *,
    organisation_ids: list[str] | None = None,
    tagged_organisation_ids: list[str] | None = None,
    organisation_id: str | None = None,
) -> Query:
    """``organisation_ids``: organisations meeting the organisation criteria (None: no such
    criteria); ``tagged_organisation_ids``: those of them carrying one of the filter's tags.
    A person is selected when one organisation they belong to meets the criteria and the tag
    is on them or on it (``aiq_shared.targeting.matches``). None when nobody can match."""
    parts: list[dict[str, Any]] = _search(q)
    if criteria.districts:
        parts.append({"district": {"$in": list(criteria.districts)}})
    if criteria.person_kinds:
        parts.append({"kind": {"$in": list(criteria.person_kinds)}})
    if criteria.has_consent is not None:
        parts.append({"email_consent": criteria.has_consent})
    if organisation_id is not None:
        parts.append(member_of([organisation_id]))
    if criteria.tags:
        own_tags: dict[str, Any] = {"tags": {"$in": list(criteria.tags)}}
        branches = []
        if organisation_ids is None:
            branches.append(own_tags)
        elif organisation_ids:
            branches.append({"$and": [own_tags, member_of(organisation_ids)]})
        if tagged_organisation_ids:
            branches.append(member_of(tagged_organisation_ids))
        if not branches:
            return None
        parts.append(branches[0] if len(branches) == 1 else {"$or": branches})
    elif organisation_ids is not None:
        if not organisation_ids:
            return None
        parts.append(member_of(organisation_ids))
    return _all(parts)


def _all(parts: list[dict[str, Any]]) -> dict[str, Any]:
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


# -- sorting and cursors -----------------------------------------------------------------


def sort_spec(sort: Sort) -> list[tuple[str, int]]:
    field = SORT_FIELDS[sort.lstrip("-")]
    direction = -1 if sort.startswith("-") else 1
    return [(field, direction)] if field == "_id" else [(field, direction), ("_id", direction)]


def encode_cursor(sort: Sort, document: dict[str, Any]) -> str:
    field = SORT_FIELDS[sort.lstrip("-")]
    if field == "_id":
        return str(document["_id"])  # the shape other lists hand out
    raw = json.dumps([sort, document.get(field), document["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after(sort: Sort, cursor: str | None) -> dict[str, Any]:
    """A filter fragment: documents after ``cursor`` in the order ``sort``."""
    if not cursor:
        return {}
    field = SORT_FIELDS[sort.lstrip("-")]
    op = "$lt" if sort.startswith("-") else "$gt"
    if field == "_id":
        if len(cursor) != 24 or not all(c in "0123456789abcdef" for c in cursor):
            raise Unprocessable("cursor is not one this API handed out")
        return {"_id": {op: cursor}}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, value, last_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error, TypeError) as error:
        raise Unprocessable("cursor is not one this API handed out") from error
    if cursor_sort != sort or not isinstance(value, str) or not isinstance(last_id, str):
        raise Unprocessable("cursor belongs to another sort order")
    return {"$or": [{field: {op: value}}, {field: value, "_id": {op: last_id}}]}


def with_cursor(query: dict[str, Any], sort: Sort, cursor: str | None) -> dict[str, Any]:
    fragment = after(sort, cursor)
    if not fragment:
        return query
    if not query:
        return fragment
    return {"$and": [query, fragment]}
