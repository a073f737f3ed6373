"""An organisation's or person's whole history as one list, newest first (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    at: str
    kind: str  # an interaction's kind, or "follow_up"
    item: dict


def timeline(interactions: Iterable[dict], follow_ups: Iterable[dict]) -> list[Entry]:
    """Notes, calls, visits, meeting attendance and outcomes, and the follow-ups opened."""
    entries = [Entry(i.get("occurred_at") or "", i["kind"], i) for i in interactions]
    entries += [Entry(f.get("created_at") or "", "follow_up", f) for f in follow_ups]
    return sorted(entries, key=lambda e: _sortable(e.at), reverse=True)


def _sortable(at: str) -> str:
    """ISO times from different services compare as UTC strings (``Z`` and ``+00:00``)."""
    from datetime import UTC, datetime

    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC).isoformat()
    except ValueError:
        return at
