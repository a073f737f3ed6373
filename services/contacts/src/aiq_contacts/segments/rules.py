"""Segments' rules: the districts a segment belongs to. Plain Python, no I/O.

A segment is a saved filter, made for the work of some districts: an officer's belongs to her
districts, a coordinator's or admin's to every district (the whole city). It is visible to
the officers of any of its districts (and to coordinators and admins); changing or deleting
it needs all of them, so an officer cannot change a segment the city or another district
works with. Who a segment selects is always read through the caller's own scope.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiq_contacts.segments.schemas import Segment
from aiq_shared.errors import Forbidden
from aiq_shared.scope import Scope


def districts_of_new(scope: Scope, every_district: Sequence[str]) -> list[str]:
    """A new segment's districts: its creator's (every district for one who sees all)."""
    if scope.districts is None:
        return list(every_district)
    return [d for d in every_district if d in scope.districts] + sorted(
        scope.districts - set(every_district)
    )


def require_whole(scope: Scope, segment: Segment) -> None:
    """Changing a segment needs every district it belongs to (403 otherwise: the caller sees
    it, so nothing is probed)."""
    if scope.districts is None:
        return
    others = [d for d in segment.districts if d not in scope.districts]
    if others:
        raise Forbidden(
            f"the segment also belongs to {', '.join(others)}: a coordinator changes it",
            districts=segment.districts,
        )
