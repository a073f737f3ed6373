"""The embedded MongoDB-wire server behaves as the services need (embedded mode only)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

from aiq_devstack.ports import free_port, wait_for_port

pytestmark = pytest.mark.integration


def _embedded_mongo(tmp_path, lifetime_s: float):  # type: ignore[no-untyped-def]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiq_devstack.mongo_server", "--port", str(port),
         "--path", str(tmp_path / "db.sqlite"), "--transaction-lifetime", str(lifetime_s)],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_for_port(port)
    yield f"mongodb://127.0.0.1:{port}/?directConnection=true"
    process.terminate()
    process.wait(10)


@pytest.fixture
def embedded_mongo(tmp_path):
    yield from _embedded_mongo(tmp_path, lifetime_s=1)


@pytest.fixture
def patient_mongo(tmp_path):
    """One that waits a minute before it aborts a transaction for its age."""
    yield from _embedded_mongo(tmp_path, lifetime_s=60)


async def test_commands_wait_for_a_running_transaction_instead_of_failing(embedded_mongo) -> None:
    client = AsyncMongoClient(embedded_mongo)
    db = client.t
    await db.a.insert_one({"_id": 0})
    async with client.start_session() as session:
        await session.start_transaction()
        await db.a.insert_one({"_id": 1}, session=session)
        reader = asyncio.create_task(db.a.count_documents({}))  # another session
        await asyncio.sleep(0.2)
        assert not reader.done()  # waiting, not refused
        await session.commit_transaction()
    assert await reader == 2
    await client.close()


async def test_an_abandoned_transaction_is_aborted_so_others_go_on(embedded_mongo) -> None:
    crashed, other = AsyncMongoClient(embedded_mongo), AsyncMongoClient(embedded_mongo)
    session = crashed.start_session()
    await session.start_transaction()
    await crashed.t.a.insert_one({"_id": "never"}, session=session)
    # the owner never commits nor aborts: as if its process died mid-transaction
    await asyncio.wait_for(other.t.a.insert_one({"_id": "later"}), timeout=10)
    assert await other.t.a.find_one({"_id": "never"}) is None
    assert await other.t.a.find_one({"_id": "later"}) is not None
    await other.close()
    await crashed.close()


KILLED_MID_TRANSACTION = """
import asyncio, os, signal, sys
from pymongo import AsyncMongoClient

async def main():
    client = AsyncMongoClient(sys.argv[1])
    session = client.start_session()
    await session.start_transaction()
    await client.t.k.insert_one({"_id": "never"}, session=session)
    os.kill(os.getpid(), signal.SIGKILL)  # as a crash would: no abort, no endSessions

asyncio.run(main())
"""


async def test_the_transaction_of_a_killed_client_is_aborted_at_once(patient_mongo) -> None:
    killed = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_MID_TRANSACTION, patient_mongo
    )
    assert await asyncio.wait_for(killed.wait(), timeout=30) == -9
    other = AsyncMongoClient(patient_mongo)
    # not after the lifetime (60 s): its connection closed, so nobody can commit it
    await asyncio.wait_for(other.t.k.insert_one({"_id": "later"}), timeout=5)
    assert await other.t.k.find_one({"_id": "never"}) is None
    await other.close()


async def test_back_to_back_transactions_do_not_starve_a_read(embedded_mongo) -> None:
    writers, reader = AsyncMongoClient(embedded_mongo), AsyncMongoClient(embedded_mongo)
    stop = asyncio.Event()

    async def transactions(n: int) -> None:  # as consumers of two replicas do
        while not stop.is_set():
            async with writers.start_session() as session:
                async with await session.start_transaction():
                    await writers.t.s.insert_one({"writer": n}, session=session)
                    await asyncio.sleep(0.02)

    running = [asyncio.create_task(transactions(n)) for n in range(4)]
    await asyncio.sleep(0.3)
    longest = 0.0
    for _ in range(10):
        began = asyncio.get_running_loop().time()
        await reader.t.s.count_documents({})
        longest = max(longest, asyncio.get_running_loop().time() - began)
    stop.set()
    await asyncio.gather(*running)
    assert longest < 2.0, longest  # it runs between two transactions, not after many
    await reader.close()
    await writers.close()


async def test_a_second_transaction_waits_for_the_first_instead_of_failing(embedded_mongo) -> None:
    client = AsyncMongoClient(embedded_mongo)
    db = client.t

    async def second() -> None:
        async with client.start_session() as session:
            async with await session.start_transaction():
                await db.b.insert_one({"_id": "second"}, session=session)

    async with client.start_session() as first:
        await first.start_transaction()
        await db.b.insert_one({"_id": "first"}, session=first)
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        assert not waiting.done()  # its startTransaction waits, it is not refused
        await first.commit_transaction()
    await asyncio.wait_for(waiting, timeout=5)
    assert await db.b.count_documents({}) == 2
    await client.close()


async def test_a_transaction_aborted_for_its_age_cannot_commit_as_if_nothing_happened(
    embedded_mongo,
) -> None:
    slow, other = AsyncMongoClient(embedded_mongo), AsyncMongoClient(embedded_mongo)
    session = slow.start_session()
    await session.start_transaction()
    await slow.t.c.insert_one({"_id": "slow"}, session=session)
    await asyncio.wait_for(other.t.c.insert_one({"_id": "other"}), timeout=10)  # reaps it
    with pytest.raises(OperationFailure) as refused:
        await session.commit_transaction()
    assert refused.value.code == 251  # NoSuchTransaction: run the transaction again
    assert refused.value.has_error_label("TransientTransactionError")
    assert await other.t.c.find_one({"_id": "slow"}) is None
    await session.end_session()
    await other.close()
    await slow.close()


async def test_a_write_cut_off_by_its_client_closing_leaves_the_server_usable(
    embedded_mongo,
) -> None:
    for _ in range(5):  # a client closes while its writes are still on their way
        leaving = AsyncMongoClient(embedded_mongo)
        writes = [asyncio.create_task(leaving.t.d.delete_many({"n": {"$lt": 0}})) for _ in range(5)]
        await asyncio.sleep(0)
        await leaving.close()
        await asyncio.gather(*writes, return_exceptions=True)
    client = AsyncMongoClient(embedded_mongo)
    async with client.start_session() as session:
        async with await session.start_transaction():
            await client.t.d.insert_one({"n": 1}, session=session)
    assert await client.t.d.count_documents({}) == 1
    await client.close()


async def test_a_stray_sqlite_transaction_does_not_block_the_next_ones() -> None:
    """Seen under load: the engine's one SQLite connection left inside a transaction nobody
    owns, after which every transaction failed ("cannot start a transaction within a
    transaction"). The server settles it before the next command."""
    from mongoeco.wire import AsyncMongoEcoProxyServer

    from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery
    from aiq_devstack.mongo_server import TransactionWarden

    engine = SQLiteEngineWithoutChangeDelivery(path=":memory:")
    port = free_port()
    server = AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=port)
    TransactionWarden(server, engine)
    await server.start()
    client = AsyncMongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
    try:
        await client.t.a.insert_one({"_id": "before"})
        engine._connection.execute("BEGIN")  # the stray transaction
        async with client.start_session() as session:
            await session.start_transaction()
            await client.t.a.insert_one({"_id": "inside"}, session=session)
            await session.commit_transaction()
        assert {d["_id"] for d in await client.t.a.find().to_list(None)} == {"before", "inside"}
    finally:
        await client.close()
        await server.close()


async def test_ids_stay_unique_without_reading_the_whole_collection_on_insert(
    embedded_mongo,
) -> None:
    """The engine skips mongoeco's whole-collection scan for ids that are not numeric (see
    ``SQLiteEngineWithoutChangeDelivery``): equal ids are still refused, numeric ones too in
    each of their types."""
    from bson import Int64, ObjectId
    from pymongo.errors import DuplicateKeyError

    db = AsyncMongoClient(embedded_mongo).t
    oid = ObjectId()
    await db.u.insert_many([{"_id": oid}, {"_id": "text"}, {"_id": {"a": "b"}}, {"_id": 7}])
    for same in (oid, "text", {"a": "b"}, 7, 7.0, Int64(7)):
        with pytest.raises(DuplicateKeyError):
            await db.u.insert_one({"_id": same})
    await db.u.insert_one({"_id": {"b": "a"}})  # another order is another id, as in MongoDB
    assert await db.u.count_documents({}) == 5


async def test_a_filter_naming_the_id_and_more_acts_on_that_one_document(embedded_mongo) -> None:
    """The engine reads the document an ``{"_id": x, ...}`` filter names by its id and tests
    the rest of the filter on it (``mongo_engine``): each of these finds, updates and deletes
    what MongoDB would, and nothing else; numeric ids keep mongoeco's own way."""
    from bson import Int64

    db = AsyncMongoClient(embedded_mongo).t
    await db.q.insert_many(
        [
            {"_id": "a", "state": "pending", "districts": ["Hörde", "Eving"], "n": 1},
            {"_id": "b", "state": "sending", "districts": ["Eving"], "n": 2},
            {"_id": 3, "state": "pending", "n": 3},
        ]
    )
    in_hoerde = {"_id": "a", "districts": {"$in": ["Hörde"]}}
    assert (await db.q.find_one(in_hoerde, {"n": 1})) == {"_id": "a", "n": 1}
    assert await db.q.find_one({"_id": "b", "districts": {"$in": ["Hörde"]}}) is None
    assert await db.q.find_one({"_id": "zz", "state": "pending"}) is None
    assert await db.q.count_documents({"_id": "a", "state": "pending"}) == 1
    assert await db.q.find({"_id": "a", "n": 1}).skip(1).to_list() == []
    claimed = await db.q.update_one({"_id": "a", "state": "sending"}, {"$set": {"n": 9}})
    assert claimed.matched_count == 0  # the condition holds the write back
    due = {"_id": "b", "$or": [{"state": "pending"}, {"state": "sending"}]}
    taken = await db.q.find_one_and_update(due, {"$set": {"state": "sent"}})
    assert taken is not None and taken["state"] == "sending"
    assert await db.q.find_one_and_update(due, {"$set": {"state": "sent"}}) is None
    assert (await db.q.delete_one({"_id": "a", "n": 2})).deleted_count == 0
    assert (await db.q.delete_one({"_id": "a", "n": 1})).deleted_count == 1
    for numeric in (3, 3.0, Int64(3)):  # one id in three types, found by mongoeco's scan
        assert (await db.q.find_one({"_id": numeric, "state": "pending"}))["n"] == 3
    assert (await db.q.update_one({"_id": 3.0, "n": 3}, {"$set": {"n": 4}})).modified_count == 1
    assert [d["_id"] for d in await db.q.find().sort("n", 1).to_list()] == ["b", 3]


async def test_decimals_still_compare_as_numbers_once_one_is_stored(embedded_mongo) -> None:
    """The engine skips mongoeco's search for decimals before each query until a decimal is
    stored (``mongo_engine``); once one is, queries on it answer as MongoDB does."""
    from bson import Decimal128

    db = AsyncMongoClient(embedded_mongo).t
    await db.n.insert_many([{"_id": "int", "x": 2}, {"_id": "float", "x": 1.25}])
    assert {d["_id"] for d in await db.n.find({"x": {"$gt": 1.5}}).to_list()} == {"int"}
    await db.n.insert_one({"_id": "decimal", "x": Decimal128("1.75")})
    above = {d["_id"] for d in await db.n.find({"x": {"$gt": 1.5}}).to_list()}
    assert above == {"int", "decimal"}
    await db.n.update_one({"_id": "float"}, {"$set": {"x": Decimal128("3.5")}})
    assert {d["_id"] for d in await db.n.find({"x": {"$gte": 3}}).to_list()} == {"float"}


async def test_reads_of_a_file_database_beside_transactions_find_the_written_documents(
    patient_mongo,
) -> None:
    """A file database read many documents on a reader connection of its own, which has no
    log of the writes the engine keeps its answers by (``mongo_features``): beside
    transactions that asked those questions first, such reads failed ("no such table")."""
    client = AsyncMongoClient(patient_mongo)
    people, counts = client.t.people, client.t.counts

    async def writer(name: str) -> None:
        for i in range(15):
            async with client.start_session() as session:

                async def work(s, i=i):  # type: ignore[no-untyped-def]
                    document = {"_id": f"{name}{i}", "k": i % 3, "tags": ["a"]}
                    await people.insert_one(document, session=s)
                    await people.find({"k": 1, "tags": "a"}, session=s).to_list()
                    await counts.update_one(
                        {"_id": "n"}, {"$inc": {"n": 1}}, upsert=True, session=s
                    )

                await session.with_transaction(work)
            await people.find({"k": 2}).sort("k").to_list()

    await asyncio.gather(*(writer(name) for name in "abcd"))
    assert await people.count_documents({}) == 60
    assert len(await people.find({"k": 1, "tags": "a"}).sort("_id").to_list()) == 20
    assert (await counts.find_one({"_id": "n"}))["n"] == 60
    await client.close()
