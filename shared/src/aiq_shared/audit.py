"""The audit trail: who changed what, when and from where, kept in each service's database.

Every change a use case makes records an :class:`AuditEntry` in the same transaction
(``tx.audit(...)``): the actor (token ``sub`` and name, or the personal link or the system),
the time, the resource (type and id), the action and the names of the changed fields (never
their values: no personal data in the trail), and the request id and trace id. Entries are
never changed or deleted by the application; a TTL index forgets them after the retention
period (``AUDIT_RETENTION_DAYS``). Admins read them per resource and per actor
(``GET /audit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from pydantic import BaseModel

AUDIT_LOG = "audit_log"

# The request being handled (``X-Request-ID``, or one made for it).
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class AuditEntry(BaseModel):
    id: str
    at: datetime
    service: str
    actor: str
    actor_name: str | None = None
    resource_type: str
    resource_id: str
    action: str
    changed_fields: list[str] = []
    request_id: str | None = None
    trace_id: str | None = None


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` (``00-<trace id>-<span id>-<flags>``)."""
    if not traceparent:
        return None
    parts = traceparent.split("-")
    return parts[1] if len(parts) == 4 else None


def changed_fields(
    before: BaseModel | Mapping[str, Any] | None,
    after: BaseModel | Mapping[str, Any],
    *,
    ignore: Iterable[str] = ("updated_at",),
) -> list[str]:
    """The names of the fields whose values differ (the values themselves stay out)."""

    def plain(value: BaseModel | Mapping[str, Any] | None) -> dict[str, Any]:
        if value is None:
            return {}
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else dict(value)

    old, new = plain(before), plain(after)
    skipped = set(ignore)
    return sorted(
        name
        for name in set(old) | set(new)
        if name not in skipped and old.get(name) != new.get(name)
    )
