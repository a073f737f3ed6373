"""The shared repository base, cursor pagination in any order and supervised workers with a
lease, on the real (or embedded) MongoDB."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import BaseModel

from aiq_shared.leases import Leases
from aiq_shared.mongo import Database, create_client
from aiq_shared.pagination import Order, PageParams
from aiq_shared.repository import Repository
from aiq_shared.workers import Worker, supervise
from helpers import eventually

pytestmark = pytest.mark.integration


class Company(BaseModel):
    id: str
    name: str
    since: str | None = None


class Companies(Repository[Company]):
    collection_name = "companies"
    model = Company


@pytest.fixture
async def database(mongo_url, run_id):
    client = create_client(mongo_url)
    yield Database(client, f"t_{run_id}_storage", "/aiq/test")
    await client.close()


async def test_a_repository_writes_reads_and_pages_in_any_order(database) -> None:
    companies = Companies(database)
    names = ["Bäckerei", "Autohaus", "Café", "Dachdecker", "Elektro", "Fliesen", "Garten"]
    sinces = ["2021", None, "2020", "2021", None, "2023", "2020"]
    for i, (name, since) in enumerate(zip(names, sinces, strict=True)):
        await companies.add(Company(id=f"c{i}", name=name, since=since), None)
    await companies.save(Company(id="c0", name="Bäckerei Kamp", since="2021"), None)
    assert (await companies.get("c0")).name == "Bäckerei Kamp"
    assert await companies.update("c1", {"name": "Autohaus Nord"}, None)
    assert not await companies.update("nobody", {"name": "x"}, None)

    async def all_pages(order: Order) -> list[str]:
        seen, cursor = [], None
        while True:
            page = await companies.page({}, PageParams(limit=2, cursor=cursor), order)
            seen += [c.id for c in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    by_name = await all_pages(Order("name", "name"))
    assert by_name == ["c1", "c0", "c2", "c3", "c4", "c5", "c6"]
    assert await all_pages(Order("-name", "name", descending=True)) == by_name[::-1]
    # ties and missing values: every company once, nulls first ascending, last descending
    by_since = await all_pages(Order("since", "since"))
    assert by_since == ["c1", "c4", "c2", "c6", "c0", "c3", "c5"]
    assert await all_pages(Order("-since", "since", descending=True)) == by_since[::-1]
    assert await companies.count({"since": "2021"}) == 2
    assert await companies.delete("c6", None) and await companies.get("c6") is None


async def test_a_worker_ticks_wakes_and_survives_its_failures(database) -> None:
    wake = asyncio.Event()
    ticks: list[str] = []

    async def tick() -> bool:
        ticks.append("tick")
        if len(ticks) == 2:
            raise RuntimeError("one bad round")
        return len(ticks) == 4  # "there is more": ticks again at once

    worker = Worker(name="test", tick=tick, every_s=30, wake=wake)
    task = asyncio.create_task(supervise(worker, Leases(database, "me")))
    try:
        await eventually(lambda: len(ticks) == 1, timeout=5)
        await asyncio.sleep(0.3)
        assert len(ticks) == 1  # rests until woken or every_s (30 s)
        wake.set()  # a commit made work: tick 2 fails, is tried again (3), then rests
        await eventually(lambda: len(ticks) == 3, timeout=5)
        wake.set()  # tick 4 says there is more: tick 5 follows at once
        await eventually(lambda: len(ticks) == 5, timeout=5)
        await asyncio.sleep(0.3)
        assert len(ticks) == 5
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_leased_worker_runs_on_one_replica_at_a_time(database) -> None:
    ticked: dict[str, int] = {"a": 0, "b": 0}

    def replica(name: str) -> asyncio.Task:
        async def tick() -> None:
            ticked[name] += 1

        worker = Worker(name="sender", tick=tick, every_s=0.05, leased=True)
        worker.lease_ttl = timedelta(seconds=1)
        return asyncio.create_task(supervise(worker, Leases(database, name)))

    first = replica("a")
    await eventually(lambda: ticked["a"] > 0, timeout=5)
    second = replica("b")
    await asyncio.sleep(0.5)
    assert ticked["b"] == 0  # a holds the lease
    first.cancel()  # a stops (and gives the lease back): b takes over
    await asyncio.gather(first, return_exceptions=True)
    await eventually(lambda: ticked["b"] > 0, timeout=5)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)


async def test_one_pace_for_all_replicas(database) -> None:
    from datetime import UTC, datetime

    from aiq_shared.clock import FrozenClock
    from aiq_shared.pacing import SharedPace

    clock = FrozenClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    # two replicas, 60 a minute (one a second), bursts of 3
    first, second = (SharedPace(database, "smtp", 60, burst=3, clock=clock) for _ in range(2))
    waits = [await pace.reserve() for pace in (first, second, first, second, first)]
    assert [w.total_seconds() for w in waits] == [0, 0, 0, 1, 2]  # a burst, then one a second
    clock.advance(timedelta(seconds=10))  # a quiet spell: a burst again
    assert (await second.reserve()).total_seconds() == 0
    unlimited = SharedPace(database, "other", 0, clock=clock)
    assert (await unlimited.reserve()).total_seconds() == 0


async def test_counters_are_added_up_over_a_transaction_and_written_once_at_its_commit(
    mongo_url, run_id
) -> None:
    from pymongo import monitoring

    from aiq_shared.repository import CountersAtCommit

    class Updates(monitoring.CommandListener):
        def __init__(self) -> None:
            self.seen: list[int] = []

        def started(self, event) -> None:  # type: ignore[no-untyped-def]
            if event.command_name == "update" and event.command["update"] == "tallies":
                self.seen.append(len(event.command["updates"]))

        def succeeded(self, event) -> None: ...  # type: ignore[no-untyped-def]
        def failed(self, event) -> None: ...  # type: ignore[no-untyped-def]

    updates = Updates()
    client = create_client(mongo_url, event_listeners=[updates])
    database = Database(client, f"t_{run_id}_counters", "/aiq/test")
    counters = CountersAtCommit(database["tallies"])

    async def a_run(tx) -> dict | None:  # type: ignore[no-untyped-def]
        counters.add(tx, "m1", {"sent": 1}, fields={"district": "Eving"})
        counters.add(tx, "m1", {"sent": 2, "dead": 1})
        counters.add(tx, "c1", {"sent": 1}, on_insert={"meeting_id": "m1"})
        return await database["tallies"].find_one({"_id": "m1"}, session=tx.session)

    try:
        assert await database.transaction(a_run) is None  # not written before the commit
        assert updates.seen == [2]  # one command, both items
        await database.transaction(a_run)
        m1, c1 = [await database["tallies"].find_one({"_id": i}) for i in ("m1", "c1")]
        assert m1 == {"_id": "m1", "district": "Eving", "sent": 6, "dead": 2}
        assert c1 == {"_id": "c1", "meeting_id": "m1", "sent": 2}

        async def failing(tx) -> None:  # type: ignore[no-untyped-def]
            counters.add(tx, "m1", {"sent": 100})
            raise ValueError("the run fails")

        with pytest.raises(ValueError, match="the run fails"):
            await database.transaction(failing)
        assert (await database["tallies"].find_one({"_id": "m1"}))["sent"] == 6
        assert updates.seen == [2, 2]
    finally:
        await client.close()
