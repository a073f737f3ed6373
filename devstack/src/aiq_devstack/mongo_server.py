"""The embedded MongoDB-wire server: mongoeco with its SQLite engine (data kept on disk).

``python -m aiq_devstack.mongo_server --port 27101 --path var/mongo/contacts.sqlite``
(``--path :memory:`` for a throw-away database). Stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer


async def serve(port: int, path: str) -> None:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    server = AsyncMongoEcoProxyServer(engine=SQLiteEngine(path=path), host="127.0.0.1", port=port)
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
