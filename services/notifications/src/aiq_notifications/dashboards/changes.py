"""The live pages' change signal: wakes their streams after a commit that moved a counter or
a delivery (in this process). Streams also look again every few seconds, so a change made by
another replica shows up too, only later."""

from __future__ import annotations

import asyncio
import contextlib


class DashboardChanges:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()  # later waiters wait for the next change

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll, not an I/O timeout
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)
