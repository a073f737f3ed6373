"""The embedded MongoDB-wire server: mongoeco with its SQLite engine (data kept on disk).

``python -m aiq_devstack.mongo_server --port 27101 --path var/mongo/contacts.sqlite``
(``--path :memory:`` for a throw-away database). Stops cleanly on SIGTERM or SIGINT.

mongoeco's SQLite engine holds one connection: while one session's transaction is open it
refuses every other session's command ("active transaction bound to another session"),
reads included. A real MongoDB serves those commands. So this server makes such a command
wait, server-side, until the transaction ends (up to ``WAIT_FOR_TRANSACTION_S``) instead of
failing it; the refusal happens before any work, so running the command again is safe. And as
MongoDB does, it aborts a transaction whose commit failed and one that has been open too long
while others wait (a client that died mid-transaction would otherwise block everyone). A
transaction whose client is gone (a connection that carried its commands closed: the process
was killed) is aborted at once, not after that lifetime: nobody can commit it any more.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import logging
import signal
from pathlib import Path

import bson
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer

from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery

WAIT_FOR_TRANSACTION_S = 30.0
# Like MongoDB's transactionLifetimeLimitSeconds: a transaction others wait for that is older
# than this is aborted (its client crashed, or lost its connection mid-transaction).
TRANSACTION_LIFETIME_S = 15.0
BUSY = "active transaction bound to another session"
ENDING_SESSIONS_WAIT_S = 5.0
log = logging.getLogger("aiq_devstack.mongo_server")
# the wire connection the command being handled came over
_CONNECTION: contextvars.ContextVar[object] = contextvars.ContextVar("connection", default=None)


class TransactionWarden:
    """Makes commands wait for the one running transaction and ends abandoned or failed ones.

    mongoeco keeps no public hook for this, so it wraps the wire executor (version pinned < 5).
    """

    def __init__(
        self,
        server: AsyncMongoEcoProxyServer,
        engine: SQLiteEngine,
        lifetime_s: float = TRANSACTION_LIFETIME_S,
    ) -> None:
        self._lifetime_s = lifetime_s
        self._server = server
        self._engine = engine
        self._owner_seen: tuple[str | None, float] = (None, 0.0)
        self._execute = server._executor.execute_prepared
        server._executor.execute_prepared = self.execute
        self._dispatch = server._dispatch_wire_request
        server._dispatch_wire_request = self.dispatch
        # Waiters wake the moment a transaction ends, not on a polling tick.
        self._released = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._in_flight = 0
        self._reaped: set[str] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        # commands outside the running transaction that wait for it to end: no new
        # transaction starts before they have run (else back-to-back transactions of many
        # clients starve a read for all of WAIT_FOR_TRANSACTION_S)
        self._waiting_outside = 0
        # a running transaction's session -> the connections its commands came over
        self._carriers: dict[str, set[object]] = {}
        close_connection = server._connections.close

        def connection_closed(connection):  # type: ignore[no-untyped-def]
            close_connection(connection)
            self._client_gone(connection.connection_id)

        server._connections.close = connection_closed
        runtime = engine._session_runtime
        for hook in ("commit_session_transaction", "abort_session_transaction"):
            setattr(runtime, hook, self._notifying(getattr(runtime, hook)))

    def _notifying(self, end_transaction):  # type: ignore[no-untyped-def]
        def ended(session):  # type: ignore[no-untyped-def]
            self._carriers.pop(getattr(session, "session_id", None), None)
            try:
                return end_transaction(session)
            finally:
                self._loop.call_soon_threadsafe(self._wake_waiters)

        return ended

    def _wake_waiters(self) -> None:
        released, self._released = self._released, asyncio.Event()
        released.set()

    async def _wait_for_release(self, deadline: float) -> bool:
        """Wait until the running transaction ends; False once the deadline has passed."""
        loop = asyncio.get_running_loop()
        if loop.time() > deadline:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), timeout=0.1)
        self._reap_abandoned(loop.time())
        return True

    async def dispatch(self, header, payload: bytes, *, connection):  # type: ignore[no-untyped-def]
        """A command that starts a transaction waits until the running one has ended and
        the commands that were waiting for that one have run.

        (Starting is decided while the request is decoded, before ``execute``; the check and
        the decode run without an await between them, so nobody can slip in.)"""
        starts = _starts_transaction(payload)
        if starts and self._busy_for_a_new_transaction():
            deadline = asyncio.get_running_loop().time() + WAIT_FOR_TRANSACTION_S
            while self._busy_for_a_new_transaction():
                if not await self._wait_for_release(deadline):
                    break  # let it fail with mongoeco's own error
        if starts and self._in_flight == 0:
            self._settle_orphan("startTransaction")
        token = _CONNECTION.set(connection.connection_id)
        try:
            return await self._dispatch(header, payload, connection=connection)
        finally:
            _CONNECTION.reset(token)

    async def execute(self, context):  # type: ignore[no-untyped-def]
        if context.command_name == "endSessions":
            # A client closing ends its sessions; commands of theirs still being worked on
            # would fail half-way (see _roll_back_orphan). Let them finish first.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout=ENDING_SESSIONS_WAIT_S)
            return await self._execute(context)
        if (refusal := self._reaped_transaction(context)) is not None:
            return refusal
        if context.session is not None and context.raw_body.get("autocommit") is False:
            self._carriers.setdefault(context.session.session_id, set()).add(_CONNECTION.get())
        if self._in_flight == 0:
            self._settle_orphan(context.command_name)
        self._in_flight += 1
        self._idle.clear()
        try:
            return await self._execute_waiting(context)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    def _busy_for_a_new_transaction(self) -> bool:
        return self._engine._transaction_owner_session_id is not None or self._waiting_outside > 0

    async def _execute_waiting(self, context):  # type: ignore[no-untyped-def]
        deadline = asyncio.get_running_loop().time() + WAIT_FOR_TRANSACTION_S
        waiting = False  # counted in _waiting_outside until it has run (or given up)
        try:
            while True:
                try:
                    return await self._execute(context)
                except Exception as error:
                    if context.session is not None and not context.session.active:
                        self._roll_back_orphan(context.command_name, error)
                    if context.command_name == "commitTransaction" and BUSY not in str(error):
                        # MongoDB leaves a transaction whose commit failed aborted; so do we,
                        # otherwise the engine stays bound to a session that has given up on
                        # it. The client hears NoSuchTransaction and runs it again.
                        self._abort(context.session, f"commit failed: {error}")
                        return _no_such_transaction(f"commit failed, transaction aborted: {error}")
                    if BUSY not in str(error):
                        raise
                    if not waiting:
                        waiting = True
                        self._waiting_outside += 1
                    if self._engine._transaction_owner_session_id is None:
                        continue  # ended meanwhile
                    if not await self._wait_for_release(deadline):
                        raise
        finally:
            if waiting:
                self._waiting_outside -= 1
                if self._waiting_outside == 0:
                    self._wake_waiters()  # the transactions held back may start

    def _reaped_transaction(self, context):  # type: ignore[no-untyped-def]
        """A command of a transaction this server aborted gets what MongoDB answers then:
        NoSuchTransaction, labelled transient, so the client runs the transaction again
        (otherwise the commit of an aborted transaction would seem to succeed)."""
        session = context.session
        if session is None or session.session_id not in self._reaped:
            return None
        body = context.raw_body
        if body.get("startTransaction") or body.get("autocommit") is not False:
            self._reaped.discard(session.session_id)  # a new transaction, or none
            return None
        if context.command_name == "abortTransaction":
            self._reaped.discard(session.session_id)
            return {"ok": 1.0}
        if context.command_name == "commitTransaction":
            self._reaped.discard(session.session_id)
        return _no_such_transaction("transaction aborted by the server: lifetime exceeded")

    def _roll_back_orphan(self, command: str, error: Exception) -> None:
        """A command that failed half-way (on a session its client had already ended, say)
        can leave the engine's one SQLite connection inside a transaction no session owns;
        every later transaction would then fail ("cannot start a transaction within a
        transaction"). Engine calls run on this thread, so nothing else is mid-write here."""
        connection = getattr(self._engine, "_connection", None)
        if (
            connection is not None
            and connection.in_transaction
            and self._engine._transaction_owner_session_id is None
        ):
            log.warning(
                "%s failed (%s); rolling back its orphaned SQLite transaction", command, error
            )
            connection.rollback()

    def _settle_orphan(self, command: str) -> None:
        """Between commands (none in flight, no session owning a transaction) the engine's
        SQLite connection must not be inside a transaction; if it is, every later
        transaction fails ("cannot start a transaction within a transaction") and writes
        meanwhile would only go into it. A write scope still open there was cut off before
        it was answered: rolled back. Without one, what it holds are writes already answered
        (they became savepoints of the stray transaction): committed, so none is lost."""
        connection = getattr(self._engine, "_connection", None)
        if (
            connection is None
            or not connection.in_transaction
            or self._engine._transaction_owner_session_id is not None
        ):
            return
        runtime = self._engine._session_runtime
        state = runtime._write_states.get(connection)
        if state is not None and state.frames:
            log.warning("before %s: rolling back a write cut off half-way", command)
            connection.rollback()
            runtime._write_states.pop(connection, None)
        else:
            log.warning(
                "before %s: committing answered writes left in a stray transaction", command
            )
            connection.commit()

    def _client_gone(self, connection_id: object) -> None:
        """A connection closed: the running transaction dies with it if it came over it (a
        killed process's transaction would otherwise hold everyone up for its lifetime)."""
        owner = self._engine._transaction_owner_session_id
        if owner is None or connection_id not in self._carriers.get(owner, ()):
            return
        self._end_owners_transaction(owner, "its client's connection closed")

    def _end_owners_transaction(self, owner: str, reason: str) -> None:
        for context in list(self._server._session_store._sessions.values()):
            if context.session.session_id == owner:
                self._abort(context.session, reason)
                self._reaped.add(owner)
        self._carriers.pop(owner, None)

    def _reap_abandoned(self, now: float) -> None:
        owner = self._engine._transaction_owner_session_id
        seen_owner, since = self._owner_seen
        if owner != seen_owner:
            self._owner_seen = (owner, now)
            return
        if owner is not None and now - since > self._lifetime_s:
            self._end_owners_transaction(owner, "transaction lifetime exceeded")
            self._owner_seen = (None, now)

    @staticmethod
    def _abort(session, reason: str) -> None:  # type: ignore[no-untyped-def]
        if session is not None and session.transaction_active:
            log.warning("aborting transaction of session %s: %s", session.session_id, reason)
            with contextlib.suppress(Exception):
                session.abort_transaction()


def _no_such_transaction(message: str) -> dict[str, object]:
    """MongoDB's answer for a transaction that is gone; labelled transient, so clients (and
    ``aiq_shared.mongo.Database.transaction``) run the whole transaction again."""
    return {
        "ok": 0.0,
        "errmsg": message,
        "code": 251,
        "codeName": "NoSuchTransaction",
        "errorLabels": ["TransientTransactionError"],
    }


def _starts_transaction(payload: bytes) -> bool:
    """Whether an OP_MSG's body (flags, then a kind-0 section) carries startTransaction."""
    try:
        if len(payload) < 9 or payload[4] != 0:
            return False
        size = int.from_bytes(payload[5:9], "little")
        return bool(bson.decode(payload[5 : 5 + size]).get("startTransaction"))
    except Exception:
        return False


async def serve(port: int, path: str, transaction_lifetime_s: float) -> None:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = SQLiteEngineWithoutChangeDelivery(path=path)
    server = AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=port)
    TransactionWarden(server, engine, transaction_lifetime_s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    print(f"mongoeco listening on {server.address.uri} ({path})", flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default=":memory:")
    parser.add_argument("--transaction-lifetime", type=float, default=TRANSACTION_LIFETIME_S)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.path, args.transaction_lifetime))


if __name__ == "__main__":
    main()
