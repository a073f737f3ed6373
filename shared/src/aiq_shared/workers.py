"""Background work, one mechanism for all of it: a supervised worker that ticks.

A :class:`Worker` is a name and a ``tick`` (one round of work: send due emails, look for due
reminders, expire offers, run queued imports). The runtime runs every worker in its own task:
it ticks again at once when the tick says there is more, else when ``wake`` is set (e.g. by
a commit that made work) or after ``every_s``. A tick that fails is logged and tried again
with growing pauses (``aiq_shared.retry``); the worker never dies of it. With
``leased=True`` only one replica ticks at a time (a lease in the database, renewed each tick;
a tick must finish well within ``lease_ttl``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from aiq_shared.leases import Leases
from aiq_shared.retry import until_it_works

log = structlog.get_logger(__name__)

# A tick answers whether there is more to do right away (None counts as no).
Tick = Callable[[], Awaitable[bool | None]]


@dataclass
class Worker:
    name: str
    tick: Tick
    every_s: float = 1.0
    wake: asyncio.Event | None = None
    leased: bool = False
    lease_ttl: timedelta = timedelta(seconds=30)
    ticks: int = field(default=0, init=False)


async def supervise(worker: Worker, leases: Leases) -> None:
    """Run ``worker`` until cancelled."""
    try:
        while True:
            more = False
            async for attempt in until_it_works(Exception):
                with attempt:
                    more = await _tick_once(worker, leases)
            if not more:
                await _rest(worker)
    finally:
        if worker.leased:
            await leases.release(f"worker:{worker.name}")


async def _tick_once(worker: Worker, leases: Leases) -> bool:
    if worker.leased and not await leases.hold(f"worker:{worker.name}", worker.lease_ttl):
        return False  # another replica does this work now
    if worker.wake is not None:
        worker.wake.clear()  # cleared before the tick: work made during it wakes us again
    more = await worker.tick()
    worker.ticks += 1
    return bool(more)


async def _rest(worker: Worker) -> None:
    if worker.wake is None:
        await asyncio.sleep(worker.every_s)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(worker.wake.wait(), timeout=worker.every_s)
