"""A meeting's form and its API body (pure): rows of agenda items, topic tables and rounds.

The form offers a few empty rows of each; rows left empty are dropped and the rest numbered
anew, in the body and in the values shown again, so a 422 on ``topic_tables.1.capacity``
points at the row it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AGENDA_ROWS, TABLE_ROWS, ROUND_ROWS = 6, 10, 3
ROWS = {
    "agenda": (AGENDA_ROWS, ("kind", "title", "starts_at"), "title"),
    "topic_tables": (TABLE_ROWS, ("title", "capacity", "description"), "title"),
    "rounds": (ROUND_ROWS, ("title", "starts_at"), "title"),
}
SIMPLE = (
    "title",
    "format",
    "description",
    "starts_at",
    "ends_at",
    "registration_deadline",
    "capacity",
    "organising_officer",
    "table_selection",
    "move_up_offer_hours",
)
CHANGEABLE = ("title", "description", "starts_at", "ends_at", "registration_deadline")


def rows_of(values: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    count, fields, key = ROWS[name]
    rows = []
    for i in range(max(count, _highest(values, name) + 1)):
        row = {f: (values.get(f"{name}.{i}.{f}") or "").strip() for f in fields}
        if row[key] or any(row[f] for f in fields if f not in ("kind",)):
            rows.append(row)
    return rows


def _highest(values: Mapping[str, Any], name: str) -> int:
    found = [
        int(k.split(".")[1])
        for k in values
        if k.startswith(f"{name}.") and k.split(".")[1].isdigit()
    ]
    return max(found, default=-1)


def meeting_body(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The POST /events body, and the values to show again (rows numbered as in the body)."""
    body: dict[str, Any] = {k: values[k] for k in SIMPLE if values.get(k) not in (None, "")}
    body["venue"] = {
        "name": values.get("venue.name") or "",
        "address": values.get("venue.address") or None,
    }
    body["districts"] = list(values.get("districts") or [])
    shown = {k: v for k, v in values.items() if not k.startswith(tuple(f"{n}." for n in ROWS))}
    for name in ROWS:
        rows = rows_of(values, name)
        body[name] = [{k: v for k, v in row.items() if v != ""} for row in rows]
        for i, row in enumerate(rows):
            shown.update({f"{name}.{i}.{k}": v for k, v in row.items()})
    return body, shown


def change_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH /events/{id}: what may change after creation (the API takes only these)."""
    body: dict[str, Any] = {k: values.get(k) or None for k in CHANGEABLE}
    body["title"] = values.get("title") or ""
    body["venue"] = {
        "name": values.get("venue.name") or "",
        "address": values.get("venue.address") or None,
    }
    return {k: v for k, v in body.items() if v is not None or k == "registration_deadline"}


def meeting_values(meeting: Mapping[str, Any], local) -> dict[str, Any]:
    """A meeting as its forms show it (``local`` turns a time into datetime-local)."""
    values: dict[str, Any] = {
        k: meeting.get(k) if meeting.get(k) is not None else "" for k in SIMPLE
    }
    for name in ("starts_at", "ends_at", "registration_deadline"):
        values[name] = local(meeting.get(name))
    values["venue.name"] = (meeting.get("venue") or {}).get("name", "")
    values["venue.address"] = (meeting.get("venue") or {}).get("address") or ""
    values["districts"] = list(meeting.get("districts") or [])
    for name in ROWS:
        for i, row in enumerate(meeting.get(name) or []):
            for key, value in row.items():
                shown = local(value) if key == "starts_at" else value
                values[f"{name}.{i}.{key}"] = "" if shown is None else shown
    return values
