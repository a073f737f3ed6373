"""The embedded MongoDB engine's SQL for plain-text patterns and indexed equalities beside
other conditions (``aiq_devstack.mongo_engine``) finds what mongoeco's own engine finds.

Both engines run in this process on the same documents; every query is asked of both, as a
list in an order, a page and a count. The documents mix what MongoDB's matching tells apart:
strings, arrays of strings, numbers, booleans, nulls, missing fields, nested documents."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId
from mongoeco import AsyncMongoClient
from mongoeco.engines.sqlite import SQLiteEngine

from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery

pytestmark = pytest.mark.integration

DOCUMENTS: list[dict[str, Any]] = [
    {
        "_id": "a",
        "name": "mia",
        "search": "anna muller mueller",
        "key": "Hörde",
        "flag": False,
        "n": 1,
    },
    {
        "_id": "b",
        "name": "lea",
        "search": "ben schmidt",
        "key": "Eving|Hörde",
        "flag": True,
        "n": 2,
    },
    {"_id": "c", "name": "kai", "search": ["mull", "x.y"], "key": "Eving", "flag": True, "n": 3},
    {"_id": "d", "name": "jan", "search": 5, "key": 5, "flag": 1, "n": 4},
    {"_id": "e", "name": "ida", "key": None, "n": 5},
    {"_id": "f", "name": "hal", "search": "ümit umit muller", "key": "Hörde", "flag": True, "n": 6},
    {"_id": "g", "name": "gus", "search": "a.b (x) mu", "key": "Innenstadt-Nord", "n": 7},
    {
        "_id": "h",
        "name": "fee",
        "search": {"nested": "mu"},
        "key": "Hörde",
        "tags": ["Eving", "Hörde"],
        "n": 8,
    },
    {"_id": "i", "name": "eva", "search": "MULLER", "key": "hörde", "tags": "Hörde", "n": 9},
    {"_id": ObjectId("65a000000000000000000001"), "name": "dan", "key": "Eving", "n": 10},
    {"_id": 11, "name": "cem", "key": "Eving", "n": 11},
]

QUERIES: list[dict[str, Any]] = [
    {"search": {"$regex": "^mu"}, "key": "Hörde"},
    {"$or": [{"search": {"$regex": "^mu"}}, {"search": {"$regex": r"\ mu"}}], "n": {"$gt": 0}},
    {"$and": [{"search": {"$regex": r"\ mu"}}, {"key": {"$in": ["Hörde", "Eving"]}}]},
    {"search": {"$regex": "ller$"}, "n": {"$lt": 9}},
    {"search": {"$regex": "^anna muller mueller$"}, "flag": False},
    {"search": {"$regex": r"a\.b \(x\)"}, "n": {"$gte": 1}},
    {"search": {"$regex": r"x\.y"}, "n": {"$gte": 1}},
    {"search": {"$not": {"$regex": "^mu"}}, "n": {"$gte": 1}},
    {"search": {"$regex": "^mu", "$options": "i"}, "n": {"$gte": 1}},
    {"search": {"$regex": "^m[uü]"}, "n": {"$gte": 1}},
    {"key": "Hörde", "n": {"$gte": 1}},
    {"key": {"$in": ["Hörde", "Innenstadt-Nord", "nobody"]}, "n": {"$lt": 9}},
    {"key": {"$in": ["Hörde", 5]}, "n": {"$gte": 1}},
    {"key": {"$in": ["Hörde", None]}, "n": {"$gte": 1}},
    {"key": {"$ne": "Hörde"}, "n": {"$gte": 1}},
    {"flag": True, "key": {"$in": ["Eving", "Eving|Hörde"]}},
    {"flag": {"$in": [True]}, "n": {"$gte": 1}},
    {"tags": "Hörde", "n": {"$gte": 1}},
    {"$or": [{"key": "Eving"}, {"search": {"$regex": "^ben"}}]},
    {"_id": {"$in": ["a", "c", "zz", ObjectId("65a000000000000000000001")]}},
    {"_id": {"$in": ["a", "b"]}, "key": "Hörde"},
    {"$or": [{"_id": "b"}, {"key": "Innenstadt-Nord"}]},
    {"_id": {"$in": [11.0, "a"]}},
    {"_id": {"$nin": ["a", "b"]}, "n": {"$gte": 1}},
]


async def _loaded(client: AsyncMongoClient) -> Any:
    collection = client["t"]["people"]
    for field in ("key", "flag", "tags", "name"):
        await collection.create_index(field)
    await collection.insert_many([dict(document) for document in DOCUMENTS])
    return collection


async def _answers(collection: Any, query: dict[str, Any]) -> tuple[Any, ...]:
    in_order = [d["_id"] for d in await collection.find(query).sort("key", 1).to_list()]
    by_n = [d["_id"] for d in await collection.find(query).sort("n", -1).limit(2).to_list()]
    by_name = [d["_id"] for d in await collection.find(query).sort("name", 1).limit(3).to_list()]
    return sorted(in_order, key=repr), by_n, by_name, await collection.count_documents(query)


async def test_sql_for_patterns_and_indexed_equalities_finds_what_mongoeco_finds() -> None:
    ours = AsyncMongoClient(SQLiteEngineWithoutChangeDelivery(path=":memory:"))
    theirs = AsyncMongoClient(SQLiteEngine(path=":memory:"))
    async with ours, theirs:
        our_people, their_people = await _loaded(ours), await _loaded(theirs)
        for query in QUERIES:
            assert await _answers(our_people, query) == await _answers(their_people, query), query
        # a word beginning, as the contacts' search asks it, in the officer's districts
        search = {"$or": [{"search": {"$regex": "^mu"}}, {"search": {"$regex": r"\ mu"}}]}
        scoped = {"$and": [search, {"key": {"$in": ["Hörde", "Eving|Hörde"]}}]}
        assert (await _answers(our_people, scoped))[0] == ["a", "f"]
        plan = await our_people.find(scoped).explain()  # in SQL, the districts from the index
        assert plan["strategy"] == "sql" and "scalar_index_entries" in str(plan["details"])
        in_order = await our_people.find(scoped).sort("name", 1).limit(3).explain()
        assert in_order["strategy"] == "sql"  # sorted by the name's index, in SQL too
        await our_people.update_one({"_id": "a"}, {"$set": {"key": ["Hörde"]}})
        await their_people.update_one({"_id": "a"}, {"$set": {"key": ["Hörde"]}})
        for query in QUERIES:  # an array in the field: mongoeco's way again
            assert await _answers(our_people, query) == await _answers(their_people, query), query


WRITES: list[tuple[str, Any, Any]] = [  # each turns an answer the engine keeps (mongo_features)
    ("insert", {"_id": "w1", "name": 7, "key": "Hörde", "n": 12}, None),  # name: not all text
    ("insert", {"_id": "w2", "name": "zoe", "key": ["Eving"], "n": [13, 1]}, None),  # arrays
    ("update", {"_id": "b"}, {"$set": {"key": b"H\xc3\xb6rde", "tags": ["Eving"]}}),  # bytes
    ("update", {"_id": "w1"}, {"$set": {"name": "yan"}}),  # all text again
    ("delete", {"_id": "w2"}, None),
    ("update", {"_id": "c"}, {"$unset": {"name": ""}}),  # a document without the sort field
]


async def _write(collection: Any, kind: str, first: Any, second: Any) -> None:
    if kind == "insert":
        await collection.insert_one(dict(first))
    elif kind == "update":
        await collection.update_one(first, second)
    else:
        await collection.delete_one(first)


async def test_what_the_engine_keeps_of_a_collection_follows_every_write() -> None:
    """Answers about the collection (arrays, tagged values, one type throughout) are kept up
    to date from the documents written; after each kind of write, and after a rolled-back
    transaction, every query finds what mongoeco's engine (asking anew) finds."""
    ours = AsyncMongoClient(SQLiteEngineWithoutChangeDelivery(path=":memory:"))
    theirs = AsyncMongoClient(SQLiteEngine(path=":memory:"))
    async with ours, theirs:
        our_people, their_people = await _loaded(ours), await _loaded(theirs)
        for kind, first, second in WRITES:
            for query in QUERIES:  # asked (and kept) before the write
                await _answers(our_people, query)
            await _write(our_people, kind, first, second)
            await _write(their_people, kind, first, second)
            for query in QUERIES:
                ours_now = await _answers(our_people, query)
                assert ours_now == await _answers(their_people, query), (kind, first, query)
        labelled = {"labels": "Hörde", "n": {"$gte": 1}}
        for client, people in ((ours, our_people), (theirs, their_people)):
            await people.update_one({"_id": "h"}, {"$set": {"labels": ["Eving", "Hörde"]}})
            session = client.start_session()
            session.start_transaction()
            # no array in "labels" while it runs (first asked then), back when it rolls back
            await people.update_many({}, {"$set": {"labels": "Hörde"}}, session=session)
            await people.find(labelled, session=session).to_list()
            session.abort_transaction()
        assert await _answers(our_people, labelled) == await _answers(their_people, labelled)
        for query in QUERIES:
            assert await _answers(our_people, query) == await _answers(their_people, query)


async def _in_a_transaction(clients: tuple, people: list, *, commit: bool) -> None:
    """Questions first asked inside a transaction (a query, then a write), which ends."""
    for client, collection in zip(clients, people, strict=True):
        session = client.start_session()
        session.start_transaction()
        await collection.find({"key": "Eving", "n": {"$gte": 1}}, session=session).to_list()
        await collection.insert_one({"_id": "t1", "key": "Eving", "n": 20}, session=session)
        if commit:
            session.commit_transaction()
        else:
            session.abort_transaction()


async def _the_same_after_each_write(people: list) -> None:
    for kind, first, second in WRITES:
        for collection in people:
            await _write(collection, kind, first, second)
        for query in QUERIES:
            assert await _answers(people[0], query) == await _answers(people[1], query)


async def test_answers_first_asked_in_a_rolled_back_transaction_are_kept_up_to_date() -> None:
    """A rolled-back transaction that asked first: its answers go with it (mongoeco forgets
    every answer then), and the log of writes, made when the engine connected, stays."""
    ours = AsyncMongoClient(SQLiteEngineWithoutChangeDelivery(path=":memory:"))
    theirs = AsyncMongoClient(SQLiteEngine(path=":memory:"))
    async with ours, theirs:
        people = [await _loaded(ours), await _loaded(theirs)]
        await _in_a_transaction((ours, theirs), people, commit=False)
        await _the_same_after_each_write(people)


async def test_answers_first_asked_inside_a_transaction_are_kept_from_the_connection_on() -> None:
    """On a busy server nearly every question is first asked inside a write's transaction:
    the log of writes is made when the engine connects, so those answers are kept too."""
    engine = SQLiteEngineWithoutChangeDelivery(path=":memory:")
    ours = AsyncMongoClient(engine)
    theirs = AsyncMongoClient(SQLiteEngine(path=":memory:"))
    async with ours, theirs:
        people = [await _loaded(ours), await _loaded(theirs)]
        await _in_a_transaction((ours, theirs), people, commit=True)
        asked = [key for key in engine._answered_at if key[1] == "people"]
        assert ("t", "people", "top_level_array:key") in asked
        await _the_same_after_each_write(people)


async def test_the_engine_writes_no_change_log_that_nothing_reads() -> None:
    """mongoeco logs each write for change streams, which the embedded server does not
    offer: this engine's writes skip it (a fifth of an update); mongoeco's engine keeps it."""
    ours_engine, their_engine = (
        SQLiteEngineWithoutChangeDelivery(path=":memory:"),
        SQLiteEngine(path=":memory:"),
    )
    logged = []
    for engine in (ours_engine, their_engine):
        async with AsyncMongoClient(engine) as client:
            people = await _loaded(client)
            await people.update_one({"_id": "a"}, {"$set": {"n": 99}})
            assert (await people.find_one({"_id": "a"}))["n"] == 99
            connection = engine._require_connection()
            logged.append(
                connection.execute("SELECT count(*) FROM change_outbox_identities").fetchone()[0]
            )
    assert logged[0] == 0 and logged[1] > len(DOCUMENTS)
