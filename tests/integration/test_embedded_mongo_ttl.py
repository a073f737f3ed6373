"""Writes to a collection with a TTL index (the audit trail, the processed-event ids, the
outbox's kept copies: the collections that only grow) or an index on an array find the
document's entries by the document, not by searching all the entries of the collection
(``mongo_engine``), and the entries stay right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mongoeco import AsyncMongoClient

from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery

pytestmark = pytest.mark.integration


async def test_a_write_finds_its_index_entries_by_the_document() -> None:
    engine = SQLiteEngineWithoutChangeDelivery(path=":memory:")
    async with AsyncMongoClient(engine) as client:
        audit = client["t"]["audit_log"]
        await audit.create_index("at", expire_after_seconds=3600)
        await audit.create_index("districts")  # arrays: multikey entries
        now = datetime.now(UTC)
        await audit.insert_many(
            [{"_id": f"a{i}", "at": now, "districts": ["Hörde", f"d{i}"]} for i in range(300)]
        )
        connection = engine._connection
        statements: list[str] = []
        connection.set_trace_callback(statements.append)
        try:
            await audit.insert_one({"_id": "new", "at": now})
            await audit.update_one(
                {"_id": "a1"}, {"$set": {"at": now + timedelta(hours=1), "districts": ["Eving"]}}
            )
            await audit.delete_one({"_id": "a2"})
        finally:
            connection.set_trace_callback(None)
        entry_tables = ("ttl_index_entries", "multikey_entries")
        on_entries = [s for s in statements if any(t in s for t in entry_tables)]
        for table in entry_tables:
            assert any(table in s for s in on_entries), f"the writes touched no {table}"
        for statement in on_entries:
            plan = " / ".join(r[-1] for r in connection.execute(f"EXPLAIN QUERY PLAN {statement}"))
            if "storage_key = " in statement:  # one document's entries: found by it
                assert "storage_key=?" in plan, (statement, plan)
            assert "SCAN" not in plan, (statement, plan)
        rows = connection.execute("SELECT storage_key, expires_at_epoch_ms FROM ttl_index_entries")
        entries = {key.rsplit("'", 2)[-2]: expires for key, expires in rows}  # by the _id
        assert len(entries) == 300  # 300 + the new one - the deleted one
        assert "new" in entries and "a2" not in entries
        assert entries["a1"] - entries["a3"] == 3600 * 1000  # the update moved its expiry
        assert await audit.count_documents({"districts": "Hörde"}) == 298
        assert [d["_id"] for d in await audit.find({"districts": "Eving"}).to_list()] == ["a1"]
