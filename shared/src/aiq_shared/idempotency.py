"""Idempotent HTTP writes: a POST with an ``Idempotency-Key`` header is done once.

The key and the response are stored in the same transaction as the write, so a retried request
gets the first answer back instead of a second write. A key belongs to its caller and request:
the same key from another caller, or with another body, is refused (422), never answered with
somebody else's resource. The runtime's middleware records the caller's body digest
(:data:`current_request_digest`); the caller is the request's actor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel

from aiq_shared.envelope import current_actor
from aiq_shared.errors import Unprocessable
from aiq_shared.mongo import Database, Tx

# A digest of the body of the request being handled (set when it carries an Idempotency-Key).
current_request_digest: ContextVar[str | None] = ContextVar("current_request_digest", default=None)


def digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


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
    actor = current_actor.get()
    caller = actor.subject if actor else None
    request = current_request_digest.get()

    async def guarded(tx: Tx) -> M:
        stored: dict[str, Any] | None = await database[COLLECTION].find_one(
            {"_id": record_id}, session=tx.session
        )
        if stored is not None:
            if stored.get("caller") != caller or stored.get("request") != request:
                raise Unprocessable(
                    "this Idempotency-Key was used for another request; use a new key",
                    reason="idempotency_key_reused",
                )
            return model.model_validate(stored["response"])
        result = await work(tx)
        await database[COLLECTION].insert_one(
            {
                "_id": record_id,
                "caller": caller,
                "request": request,
                "response": result.model_dump(mode="json"),
                "created_at": datetime.now(UTC),
            },
            session=tx.session,
        )
        return result

    return await database.transaction(guarded)
