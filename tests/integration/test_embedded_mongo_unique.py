"""The embedded engine checks a unique index of several fields from an index of one of them
(``aiq_devstack.mongo_unique``) and refuses exactly what mongoeco's own engine refuses.

Both engines run in this process; every write is asked of both, and each must succeed or
fail alike and leave the same documents. The writes mix what the check must tell apart:
equal keys, keys equal in one field only, the document's own key on an update, missing
fields (null for the index), numbers, arrays, a partial index, and a unique index none of
whose fields has an index of its own (mongoeco's whole check)."""

from __future__ import annotations

from typing import Any

import pytest
from mongoeco import AsyncMongoClient
from mongoeco.engines.sqlite import SQLiteEngine
from pymongo.errors import DuplicateKeyError

from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery

pytestmark = pytest.mark.integration

WRITES: list[tuple[str, str, Any, Any]] = [
    # (collection, kind, first, second)
    ("invitations", "insert", {"_id": "i1", "meeting_id": "m1", "person_id": "p1"}, None),
    ("invitations", "insert", {"_id": "i2", "meeting_id": "m1", "person_id": "p1"}, None),  # dup
    ("invitations", "insert", {"_id": "i3", "meeting_id": "m2", "person_id": "p1"}, None),
    ("invitations", "insert", {"_id": "i4", "meeting_id": "m1", "person_id": "p2"}, None),
    ("invitations", "update", {"_id": "i4"}, {"$set": {"person_id": "p1"}}),  # onto i1's key
    ("invitations", "update", {"_id": "i1"}, {"$set": {"note": "its own key"}}),
    ("invitations", "update", {"_id": "i4"}, {"$set": {"meeting_id": "m3"}}),
    ("invitations", "upsert", {"meeting_id": "m1", "person_id": "p1"}, {"$set": {"n": 1}}),
    ("invitations", "upsert", {"meeting_id": "m9", "person_id": "p9"}, {"$set": {"n": 2}}),
    ("invitations", "insert", {"_id": "i5", "meeting_id": "m4"}, None),  # person: null
    ("invitations", "insert", {"_id": "i6", "meeting_id": "m4"}, None),  # null again: dup
    ("invitations", "insert", {"_id": "i7", "meeting_id": "m4", "person_id": None}, None),
    ("invitations", "insert", {"_id": "i8", "meeting_id": "m5", "person_id": 7}, None),
    ("invitations", "insert", {"_id": "i9", "meeting_id": "m5", "person_id": 7.0}, None),
    ("invitations", "insert", {"_id": "i10", "meeting_id": "m6", "person_id": "p1"}, None),
    ("invitations", "insert", {"_id": "i11", "meeting_id": "m6", "person_id": ["p1"]}, None),
    ("invitations", "insert", {"_id": "i12", "meeting_id": "m7", "person_id": ["p3", "p4"]}, None),
    ("invitations", "insert", {"_id": "i13", "meeting_id": "m7", "person_id": "p4"}, None),
    ("invitations", "delete", {"_id": "i1"}, None),
    ("invitations", "insert", {"_id": "i14", "meeting_id": "m1", "person_id": "p1"}, None),
    ("seats", "insert", {"_id": "s1", "table": "t1", "chair": "c1", "taken": True}, None),
    ("seats", "insert", {"_id": "s2", "table": "t1", "chair": "c1", "taken": False}, None),
    ("seats", "insert", {"_id": "s3", "table": "t1", "chair": "c1", "taken": True}, None),  # dup
    ("rooms", "insert", {"_id": "r1", "floor": "1", "number": "12"}, None),
    ("rooms", "insert", {"_id": "r2", "floor": "1", "number": "12"}, None),  # dup, by a scan
]


async def _prepared(client: AsyncMongoClient) -> Any:
    db = client["t"]
    await db.invitations.create_index([("meeting_id", 1), ("person_id", 1)], unique=True)
    await db.invitations.create_index("person_id")
    await db.seats.create_index(  # unique among the taken seats only
        [("table", 1), ("chair", 1)], unique=True, partial_filter_expression={"taken": True}
    )
    await db.seats.create_index("chair")
    await db.rooms.create_index([("floor", 1), ("number", 1)], unique=True)  # none of its own
    return db


async def _outcome(db: Any, collection: str, kind: str, first: Any, second: Any) -> str:
    try:
        if kind == "insert":
            await db[collection].insert_one(dict(first))
        elif kind == "update":
            await db[collection].update_one(first, second)
        elif kind == "upsert":
            await db[collection].update_one(first, second, upsert=True)
        else:
            await db[collection].delete_one(first)
    except DuplicateKeyError:
        return "duplicate"
    return "ok"


async def _documents(db: Any, collection: str) -> list[dict[str, Any]]:
    found = await db[collection].find({}, {"_id": 0}).to_list()
    return sorted(found, key=repr)


async def test_a_unique_index_of_several_fields_refuses_what_mongoeco_refuses() -> None:
    ours = AsyncMongoClient(SQLiteEngineWithoutChangeDelivery(path=":memory:"))
    theirs = AsyncMongoClient(SQLiteEngine(path=":memory:"))
    async with ours, theirs:
        our_db, their_db = await _prepared(ours), await _prepared(theirs)
        outcomes = []
        for write in WRITES:
            outcome = await _outcome(our_db, *write)
            assert outcome == await _outcome(their_db, *write), write
            outcomes.append(outcome)
        for collection in ("invitations", "seats", "rooms"):
            assert await _documents(our_db, collection) == await _documents(their_db, collection)
        assert outcomes.count("duplicate") >= 6  # the cases meant to collide did


async def test_the_check_reads_only_the_documents_that_could_hold_the_key() -> None:
    """An invitation per meeting and person: each insert reads the person's invitations, not
    every invitation kept (mongoeco's own check decoded the whole collection each time)."""
    engine = SQLiteEngineWithoutChangeDelivery(path=":memory:")
    async with AsyncMongoClient(engine) as client:
        db = await _prepared(client)
        await db.invitations.insert_many(
            [{"meeting_id": f"m{i % 5}", "person_id": f"p{i}"} for i in range(200)]
        )
        scans: list[str] = []
        whole_read = engine._load_documents

        def counted(db_name: str, coll_name: str):  # type: ignore[no-untyped-def]
            scans.append(coll_name)
            return whole_read(db_name, coll_name)

        engine._load_documents = counted  # type: ignore[method-assign]
        await db.invitations.insert_many(
            [{"meeting_id": "m9", "person_id": f"p{i}"} for i in range(50)]
        )
        with pytest.raises(DuplicateKeyError):
            await db.invitations.insert_one({"meeting_id": "m9", "person_id": "p7"})
        await db.invitations.update_one({"person_id": "p8", "meeting_id": "m9"}, {"$set": {"n": 1}})
        assert scans == []
        await db.rooms.insert_one({"floor": "1", "number": "1"})  # no index of one field
        assert scans == ["rooms"]
