"""The dashboards' change signal, after a commit that moved a counter or a delivery (in this
process): it wakes the live pages' streams and drops the answers kept for the JSON reads.
Streams also look again every few seconds and kept answers last a second, so a change made
by another replica shows up too, only later."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class DashboardChanges:
    def __init__(self) -> None:
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        """``listener`` is called at each change, before the streams wake."""
        self._listeners.append(listener)

    def notify(self) -> None:
        for listener in self._listeners:
            listener()
        self._changed.set()
        self._changed = asyncio.Event()  # later waiters wait for the next change

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll, not an I/O timeout
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)
