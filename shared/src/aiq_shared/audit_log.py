"""Reading the audit trail (admins only) and keeping it: its indexes and retention.

``GET /audit`` lists entries newest first, filtered by resource (type and id) or by actor.
Entries are written by use cases through ``tx.audit(...)`` (aiq_shared.mongo) and never
changed; the TTL index forgets them after ``AUDIT_RETENTION_DAYS``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pymongo import ASCENDING, DESCENDING, IndexModel

from aiq_shared.audit import AUDIT_LOG, AuditEntry
from aiq_shared.auth import allow
from aiq_shared.mongo import Database
from aiq_shared.pagination import Order, Page, PageParams, page_params
from aiq_shared.repository import Repository

NEWEST_FIRST = Order("-id", "_id", descending=True)


class AuditLog(Repository[AuditEntry]):
    collection_name = AUDIT_LOG
    model = AuditEntry

    def __init__(self, database: Database, retention_days: int = 365) -> None:
        super().__init__(database)
        self._retention_s = retention_days * 24 * 3600

    def indexes(self) -> list[IndexModel]:
        return [
            IndexModel([("at", ASCENDING)], expireAfterSeconds=self._retention_s, name="retention"),
            IndexModel(
                [("resource_type", ASCENDING), ("resource_id", ASCENDING), ("_id", DESCENDING)]
            ),
            IndexModel([("actor", ASCENDING), ("_id", DESCENDING)]),
        ]


router = APIRouter(tags=["audit"], dependencies=[allow("admin")])


@router.get("/audit", summary="The audit trail: who changed what (admins)")
async def audit_trail(
    request: Request,
    page: Annotated[PageParams, Depends(page_params)],
    resource_type: Annotated[str | None, Query(max_length=60)] = None,
    resource_id: Annotated[str | None, Query(max_length=120)] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Token sub")] = None,
) -> Page[AuditEntry]:
    query: dict[str, str] = {}
    if resource_type:
        query["resource_type"] = resource_type
    if resource_id:
        query["resource_id"] = resource_id
    if actor:
        query["actor"] = actor
    log: AuditLog = request.app.state.runtime.audit_log
    return await log.page(query, page, NEWEST_FIRST)
