"""One pace for all replicas: a rate limit kept in the database (e.g. emails a minute), so
adding replicas never sends faster than the SMTP server allows.

Each send reserves the next slot on a shared schedule (``pacing`` collection: one document per
pace with the time of the next free slot), by compare-and-set, so two replicas never take the
same slot; a burst of up to ``burst`` slots may be taken at once after a quiet spell. The
caller waits until its slot. With ``per_minute`` 0 there is no limit and nothing is stored.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.mongo import Database

PACING = "pacing"


class SharedPace:
    def __init__(
        self,
        database: Database,
        name: str,
        per_minute: int,
        *,
        burst: int = 1,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._collection = database[PACING]
        self._name = name
        self._clock = clock
        self._interval = timedelta(minutes=1) / per_minute if per_minute > 0 else None
        self._burst = max(burst, 1)

    @property
    def limited(self) -> bool:
        """Whether there is a limit at all (``per_minute`` above 0)."""
        return self._interval is not None

    async def reserve(self) -> timedelta:
        """Take the next slot; how long to wait for it (zero: go now).

        A slot is at ``max(next free, now - (burst - 1) * interval)``: after a quiet spell
        ``burst`` slots are free at once, then one per interval."""
        if self._interval is None:
            return timedelta(0)
        early = self._interval * (self._burst - 1)
        for _ in range(100):
            now = self._clock.now()
            current = await self._collection.find_one({"_id": self._name})
            if current is None:
                try:
                    await self._collection.insert_one(
                        {"_id": self._name, "next_at": now - early + self._interval}
                    )
                    return timedelta(0)
                except DuplicateKeyError:
                    continue  # another replica made it first
            previous: datetime = current["next_at"]
            slot = max(previous, now - early)
            taken = await self._collection.update_one(
                {"_id": self._name, "next_at": previous},
                {"$set": {"next_at": slot + self._interval}},
            )
            if taken.modified_count == 1:
                return max(slot - now, timedelta(0))
        return self._interval  # heavy contention: the caller waits an interval and goes on

    async def wait_turn(self) -> None:
        wait = await self.reserve()
        if wait > timedelta(0):
            await asyncio.sleep(wait.total_seconds())
