"""Idempotent HTTP writes: a POST with an ``Idempotency-Key`` header is done once.

The key and the response are stored in the same transaction as the write, so a retried request
gets the first answer back instead of a second write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel

from aiq_shared.mongo import Database, Tx

COLLECTION = "idempotency_keys"
KEEP_FOR = timedelta(hours=24)

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="Retry-safe key for this write"),
]


async def ensure_index(database: Database) -> None:
    await database[COLLECTION].create_index(
        "created_at", expireAfterSeconds=int(KEEP_FOR.total_seconds())
    )


async def once[M: BaseModel](
    database: Database,
    key: str | None,
    scope: str,
    work: Callable[[Tx], Awaitable[M]],
    model: type[M],
) -> M:
    if key is None:
        return await database.transaction(work)
    record_id = f"{scope}:{key}"

    async def guarded(tx: Tx) -> M:
        stored: dict[str, Any] | None = await database[COLLECTION].find_one(
            {"_id": record_id}, session=tx.session
        )
        if stored is not None:
            return model.model_validate(stored["response"])
        result = await work(tx)
        await database[COLLECTION].insert_one(
            {
                "_id": record_id,
                "response": result.model_dump(mode="json"),
                "created_at": datetime.now(UTC),
            },
            session=tx.session,
        )
        return result

    return await database.transaction(guarded)
