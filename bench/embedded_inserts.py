"""Inserts into the embedded MongoDB as its collections grow: the engine the stack runs
(``aiq_devstack.mongo_server``) against mongoeco's own SQLite engine, side by side.

    .venv/bin/python bench/embedded_inserts.py [--documents 3000] [--block 500]

Each block of documents is inserted one at a time (as the audit trail, the processed-event ids
and the outbox are written); the time per insert is printed per block, for both engines. Then,
on the full collection, a conditional update by id (``{"_id": x, "state": ...}``, as the
sender's claim and every write in a scope are) and a read by id in a scope.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bson import ObjectId
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer
from pymongo import AsyncMongoClient

from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery


async def per_block(
    engine: SQLiteEngine, documents: int, block: int
) -> tuple[list[float], float, float]:
    server = AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=0)
    await server.start()
    client = AsyncMongoClient(server.address.uri)
    collection = client.bench.audit_log
    times = []
    try:
        for _ in range(documents // block):
            started = time.perf_counter()
            for n in range(block):
                await collection.insert_one(
                    {
                        "_id": ObjectId(),
                        "resource": "registration",
                        "action": "created",
                        "districts": ["Hörde"],
                        "n": n,
                    }
                )
            times.append((time.perf_counter() - started) / block * 1000)
        ids = [d["_id"] for d in await collection.find({}, {"_id": 1}).limit(50).to_list()]
        started = time.perf_counter()
        for oid in ids:
            await collection.update_one({"_id": oid, "action": "created"}, {"$set": {"x": 1}})
        update_ms = (time.perf_counter() - started) / len(ids) * 1000
        started = time.perf_counter()
        for oid in ids:
            await collection.find_one({"_id": oid, "districts": {"$in": ["Hörde"]}})
        read_ms = (time.perf_counter() - started) / len(ids) * 1000
    finally:
        await client.close()
        await server.close()
    return times, update_ms, read_ms


async def main(documents: int, block: int) -> None:
    ours, our_update, our_read = await per_block(
        SQLiteEngineWithoutChangeDelivery(path=":memory:"), documents, block
    )
    theirs, their_update, their_read = await per_block(
        SQLiteEngine(path=":memory:"), documents, block
    )
    print(f"{'documents stored':>18} | {'ms per insert (ours)':>21} | {'mongoeco engine':>15}")
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        print(f"{(i + 1) * block:>18} | {a:>21.2f} | {b:>15.2f}")
    print(f"last block: ours {ours[-1]:.2f} ms, mongoeco's {theirs[-1]:.2f} ms per insert")
    print(f"conditional update by id: ours {our_update:.2f} ms, mongoeco's {their_update:.2f} ms")
    print(f"read by id in a scope: ours {our_read:.2f} ms, mongoeco's {their_read:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--block", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.documents, args.block))
