"""MongoDB access shared by every service: the client factory and the transaction runner.

Only repositories and this plumbing touch PyMongo. A state change and the events it causes are
written in one transaction: service functions call :meth:`Database.transaction` with a function
that receives a :class:`Tx`, write through repositories with ``tx.session`` and call
``tx.emit(event)``; the outbox records go in just before commit, and the relay is woken
after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import structlog
from bson import ObjectId
from bson.codec_options import TypeEncoder, TypeRegistry
from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from aiq_shared.audit import AUDIT_LOG, AuditEntry, current_request_id, trace_id_of
from aiq_shared.contracts import EventContract
from aiq_shared.envelope import Actor, current_actor, current_traceparent, to_kafka, wrap
from aiq_shared.retry import transient_attempts

log = structlog.get_logger(__name__)

OUTBOX = "outbox"
OUTBOX_PUBLISHED = "outbox_published"  # published records kept (the embedded broker)


def to_document(model: BaseModel) -> dict[str, Any]:
    """A model as a MongoDB document: its ``id`` becomes ``_id``."""
    document = model.model_dump()
    document["_id"] = document.pop("id")
    return document


def from_document[M: BaseModel](model: type[M], document: dict[str, Any] | None) -> M | None:
    return None if document is None else model.model_validate({**document, "id": document["_id"]})


class _DateAsIsoString(TypeEncoder):
    """BSON has no plain date: a ``datetime.date`` (a follow-up's due date, partner since) is
    stored as its ISO string, which sorts and compares like the date and reads back into a
    pydantic ``date`` field as it was."""

    python_type = date

    def transform_python(self, value: date) -> str:
        return value.isoformat()


TYPE_REGISTRY = TypeRegistry([_DateAsIsoString()])


def create_client(url: str, **options: Any) -> AsyncMongoClient:
    return AsyncMongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=5_000, type_registry=TYPE_REGISTRY, **options
    )


def is_transient(error: PyMongoError) -> bool:
    """Errors after which the whole transaction may simply run again.

    Real MongoDB labels them; the embedded server reports write conflicts and a busy
    transaction slot as plain OperationFailures (ARCHITECTURE section 7).
    """
    if error.has_error_label("TransientTransactionError"):
        return True
    if isinstance(error, ConnectionFailure):
        return True
    if isinstance(error, OperationFailure):
        text = str(error)
        return (
            "Write conflict" in text
            or "active transaction bound to another session" in text
            or "database is locked" in text  # the embedded SQLite engine's write conflict
            or error.code in (112, 251)  # WriteConflict, NoSuchTransaction
        )
    return False


WriteAtCommit = Callable[[Any, AsyncClientSession], Awaitable[None]]


class Tx:
    """One running transaction: its session and the events to publish when it commits."""

    def __init__(
        self,
        session: AsyncClientSession,
        source: str,
        traceparent: str | None,
        topic_prefix: str = "",
    ) -> None:
        self.session = session
        self._source = source
        self._topic_prefix = topic_prefix
        self._traceparent = traceparent
        self.outgoing: list[dict[str, Any]] = []
        self.audited: list[dict[str, Any]] = []
        self.committed_callbacks: list[Callable[[], None]] = []
        self.actor = current_actor.get()
        self._reads: dict[tuple[str, str], Any] = {}
        self.at_commit: dict[str, tuple[Any, WriteAtCommit]] = {}

    @contextmanager
    def on_behalf_of(self, actor: Actor | None, traceparent: str | None) -> Iterator[None]:
        """What is emitted and audited meanwhile is in the name of ``actor`` and continues
        ``traceparent`` (one event's, when several are handled in this transaction)."""
        before = self.actor, self._traceparent
        self.actor, self._traceparent = actor, traceparent
        try:
            yield
        finally:
            self.actor, self._traceparent = before

    async def read_once[T](self, key: tuple[str, str], read: Callable[[], Awaitable[T]]) -> T:
        """What ``read`` gives, asked of the database once in this transaction: a copy the
        handlers of a run of records each read (a meeting's, an organisation's). Whoever
        writes it in the transaction calls :meth:`forget`."""
        if key not in self._reads:
            self._reads[key] = await read()
        return self._reads[key]

    def forget(self, key: tuple[str, str]) -> None:
        self._reads.pop(key, None)

    def gathered[T](
        self,
        key: str,
        make: Callable[[], T],
        write: Callable[[T, AsyncClientSession], Awaitable[None]],
    ) -> T:
        """A value gathered over the transaction under ``key`` (made by ``make`` the first
        time), which ``write`` writes once, just before the commit: the counters a run of
        records moves, in one write instead of one per record. The transaction's own reads
        do not see it before then."""
        if key not in self.at_commit:
            self.at_commit[key] = (make(), write)
        return self.at_commit[key][0]

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (e.g. wake a worker)."""
        self.committed_callbacks.append(callback)

    def emit(self, event: EventContract) -> None:
        """Add ``event`` to the outbox: written with this transaction, published by the relay
        after the commit (never if the transaction fails)."""
        record = to_kafka(
            wrap(event, source=self._source, traceparent=self._traceparent, actor=self.actor)
        )
        self.outgoing.append(
            {
                "topic": self._topic_prefix + event.topic,
                "key": record.key,
                "value": record.value,
                "headers": [[name, value] for name, value in record.headers],
                "event_type": event.event_type,
            }
        )

    def audit(
        self,
        resource_type: str,
        resource_id: str,
        action: str,
        changed_fields: Sequence[str] = (),
    ) -> None:
        """Record in the audit trail, with this transaction, that the current actor did
        ``action`` to the resource (field names only; see aiq_shared.audit)."""
        actor = self.actor or Actor(subject=f"system:{self._source.rsplit('/', 1)[-1]}")
        entry = AuditEntry(
            id=str(ObjectId()),
            at=datetime.now(UTC),
            service=self._source.rsplit("/", 1)[-1],
            actor=actor.subject,
            actor_name=actor.name,
            resource_type=resource_type,
            resource_id=resource_id,
            action=action,
            changed_fields=list(changed_fields),
            request_id=current_request_id.get(),
            trace_id=trace_id_of(self._traceparent),
        )
        self.audited.append(to_document(entry))


class Database:
    """A service's own database plus the unit-of-work around it."""

    def __init__(
        self, client: AsyncMongoClient, name: str, source: str, topic_prefix: str = ""
    ) -> None:
        self.client = client
        self.topic_prefix = topic_prefix
        self.db: AsyncDatabase = client[name]
        self.source = source
        self.outbox_written = asyncio.Event()

    def __getitem__(self, collection: str):
        return self.db[collection]

    async def ping(self) -> None:
        await self.db.command("ping")

    async def retrying[T](self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run a single write outside a transaction, retrying transient failures.

        The embedded server refuses any write while another session's transaction is open;
        real MongoDB reports the same situation as a write conflict.
        """
        async for attempt in transient_attempts(_transient):
            with attempt:
                return await operation()
        raise AssertionError("unreachable: the last attempt raises")

    async def transaction[T](
        self, work: Callable[[Tx], Awaitable[T]], *, traceparent: str | None = None
    ) -> T:
        """Run ``work`` in a transaction, retrying transient failures; outbox written atomically.

        ``work`` may run more than once (a write conflict runs it again from the start), so
        it must not do anything outside the transaction; :meth:`Tx.after_commit` is for that.
        """
        async for attempt in transient_attempts(_transient):
            with attempt:
                return await self._run_once(work, traceparent)
        raise AssertionError("unreachable: the last attempt raises")

    async def _run_once[T](self, work: Callable[[Tx], Awaitable[T]], traceparent: str | None) -> T:
        async with self.client.start_session() as session:
            tx = Tx(
                session, self.source, traceparent or current_traceparent.get(), self.topic_prefix
            )
            try:
                await session.start_transaction()
                result = await work(tx)
                for gathered, write in tx.at_commit.values():
                    await write(gathered, session)
                if tx.audited:
                    await self.db[AUDIT_LOG].insert_many(tx.audited, session=session)
                if tx.outgoing:
                    # Ids made now, just before commit, keep outbox order close to commit order.
                    for record in tx.outgoing:
                        record["_id"] = ObjectId()
                    await self.db[OUTBOX].insert_many(tx.outgoing, session=session)
                await _commit(session)
            except BaseException:
                if session.in_transaction:
                    await _abort_quietly(session)
                raise
        if tx.outgoing:
            self.outbox_written.set()
        for callback in tx.committed_callbacks:
            callback()
        return result


def _transient(error: Exception) -> bool:
    return isinstance(error, PyMongoError) and is_transient(error)


def _commit_result_unknown(error: Exception) -> bool:
    return isinstance(error, PyMongoError) and error.has_error_label(
        "UnknownTransactionCommitResult"
    )


async def _commit(session: AsyncClientSession) -> None:
    """Commit; when the outcome is unknown, commit again rather than redo the work.

    (Running the whole transaction again could write twice if the first commit did land.)
    """
    async for attempt in transient_attempts(_commit_result_unknown):
        with attempt:
            await session.commit_transaction()


async def _abort_quietly(session: AsyncClientSession) -> None:
    try:
        await session.abort_transaction()
    except PyMongoError:
        pass
