"""Several consecutive records of one partition handled in one transaction (the consumer
runner's common case: a campaign's invitations, a stream of registrations).

One transaction per record cost its start, its dedupe read and write and its commit: four
of the dozen round trips a confirmation or an invitation took. Here the records of a run
are read for duplicates at once, their dedupe records written at once, and the whole run
commits once. Each record's handler still runs in its own context (its actor, trace and
log fields), in order, so what one writes the next reads (through the transaction).

All or nothing: if any record of the run fails (a handler error, ``RetryLater``, the
database away), the transaction is aborted and the runner handles the run again record by
record, each in its own transaction (``aiq_shared.consumer``), with the usual retries,
parking and dead letters. A crash mid-run commits nothing and the records are read again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from opentelemetry import trace

from aiq_shared import tracing
from aiq_shared.contracts import EventContract
from aiq_shared.envelope import Envelope, current_actor, current_traceparent
from aiq_shared.handlers import Handler
from aiq_shared.mongo import Database, Tx

PROCESSED_EVENTS = "processed_events"


@dataclass(frozen=True)
class Ready:
    """A record read as a known event with a handler: ready to be handled."""

    topic: str
    envelope: Envelope
    event: EventContract
    handler: Handler


@contextmanager
def handling(envelope: Envelope, topic: str) -> Iterator[None]:
    """The context one event is handled in: its log fields, its actor (the effect is traced
    to who caused it) and its span, whose ``traceparent`` the events it causes carry."""
    structlog.contextvars.bind_contextvars(
        event_id=envelope.id, event_type=envelope.type, traceparent=envelope.traceparent
    )
    actor = current_actor.set(envelope.actor)
    try:
        with tracing.span(
            f"process {envelope.type}",
            envelope.traceparent,
            trace.SpanKind.CONSUMER,
            **{"messaging.system": "kafka", "messaging.destination.name": topic},
        ) as traceparent:
            token = current_traceparent.set(traceparent)
            try:
                yield
            finally:
                current_traceparent.reset(token)
    finally:
        current_actor.reset(actor)
        structlog.contextvars.unbind_contextvars("event_id", "event_type", "traceparent")


def processed_record(consumer: str, envelope: Envelope) -> dict[str, Any]:
    """The dedupe record of ``consumer`` having handled the event."""
    return {
        "_id": f"{consumer}:{envelope.id}",
        "consumer": consumer,
        "event_id": envelope.id,
        "event_type": envelope.type,
        "handled_at": datetime.now(UTC),
    }


async def handle_one(database: Database, consumer: str, ready: Ready, tx: Tx) -> bool:
    """Handle the event in ``tx`` unless ``consumer`` has handled it (False: a duplicate)."""
    processed = database[PROCESSED_EVENTS]
    record = processed_record(consumer, ready.envelope)
    if await processed.find_one({"_id": record["_id"]}, session=tx.session) is not None:
        return False
    await processed.insert_one(record, session=tx.session)
    await ready.handler(ready.event, ready.envelope, tx)
    return True


async def handle_together(
    database: Database, consumer: str, run: list[Ready], tx: Tx
) -> list[bool]:
    """Handle the run in ``tx``, in order: for each record, whether it was handled (False: a
    duplicate, seen before or earlier in the run)."""
    processed = database[PROCESSED_EVENTS]
    records = [processed_record(consumer, ready.envelope) for ready in run]
    ids = sorted({record["_id"] for record in records})
    found = processed.find({"_id": {"$in": ids}}, {"_id": 1}, session=tx.session)
    seen = {document["_id"] for document in await found.to_list()}
    handled, fresh = [], []
    for ready, record in zip(run, records, strict=True):
        if record["_id"] in seen:
            handled.append(False)
            continue
        seen.add(record["_id"])
        with (
            handling(ready.envelope, ready.topic),
            tx.on_behalf_of(ready.envelope.actor, current_traceparent.get()),
        ):
            await ready.handler(ready.event, ready.envelope, tx)
        fresh.append(record)
        handled.append(True)
    if fresh:
        await processed.insert_many(fresh, session=tx.session)
    return handled
