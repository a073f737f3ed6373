"""Sets of values (a person's districts, their organisations) kept as one scalar key as well,
and "any of these values" as a query on that key. Plain Python, no I/O.

The embedded MongoDB (mongoeco) answers every query that names an array field by loading and
testing each document of the collection in Python (20,000 people: seconds to minutes), while
it answers one on a scalar field from its index. So a person's ``districts`` and their
organisations are also stored as keys: a set of one value has that value as its key; sets of
several ("many") are few, and a query for "any of these values" names their keys too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SEPARATOR = "|"


def set_key(values: Iterable[str | None]) -> str:
    """The scalar key of a set of values: ``["Hörde", "Eving"]`` -> ``"Eving|Hörde"``."""
    return SEPARATOR.join(sorted({v for v in values if v}))


def is_many(key: str) -> bool:
    return SEPARATOR in key


def keyed_any(field: str, values: Iterable[str], many_keys: Iterable[str]) -> dict[str, Any]:
    """The documents whose set (its key in ``field``) holds one of ``values``: those whose key
    is one of them, and those whose key is one of ``many_keys`` (keys of several values in
    use) sharing a value with them."""
    wanted = set(values)
    shared = {key for key in many_keys if wanted & set(key.split(SEPARATOR))}
    if not wanted:
        return {"_id": {"$exists": False}}  # nobody (never an empty $in)
    return {field: {"$in": sorted(wanted | shared)}}
