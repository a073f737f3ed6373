"""The embedded MongoDB-wire server: mongoeco with its SQLite engine (data kept on disk).

``python -m aiq_devstack.mongo_server --port 27101 --path var/mongo/contacts.sqlite``
(``--path :memory:`` for a throw-away database). Stops cleanly on SIGTERM or SIGINT.

mongoeco's SQLite engine holds one connection: while one session's transaction is open it
refuses every other session's command ("active transaction bound to another session"),
reads included. A real MongoDB serves those commands. So this server makes such a command
wait, server-side, until the transaction ends (up to ``WAIT_FOR_TRANSACTION_S``) instead of
failing it; the refusal happens before any work, so running the command again is safe.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer

WAIT_FOR_TRANSACTION_S = 30.0
BUSY = "active transaction bound to another session"


def wait_instead_of_refusing(server: AsyncMongoEcoProxyServer) -> None:
    executor = server._executor  # mongoeco has no public hook for this (pinned < 5)
    execute = executor.execute_prepared

    async def patient(context):  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_FOR_TRANSACTION_S
        delay = 0.001
        while True:
            try:
                return await execute(context)
            except Exception as error:
                if BUSY not in str(error) or loop.time() > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.01)

    executor.execute_prepared = patient


async def serve(port: int, path: str) -> None:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    server = AsyncMongoEcoProxyServer(engine=SQLiteEngine(path=path), host="127.0.0.1", port=port)
    wait_instead_of_refusing(server)
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default=":memory:")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.path))


if __name__ == "__main__":
    main()
