"""The reminder scheduler, a leased worker (``runtime.every(..., leased=True)``: one replica
at a time): each tick sends what is due at the clock's now."""

from __future__ import annotations

from datetime import datetime

from aiq_notifications.reminders.service import Reminders
from aiq_shared.clock import Clock


class Scheduler:
    def __init__(self, reminders: Reminders, clock: Clock) -> None:
        self._reminders = reminders
        self._clock = clock

    async def tick(self) -> bool:
        await self.send_due(self._clock.now())
        return False  # look again after the poll interval

    async def send_due(self, now: datetime) -> int:
        """Send every reminder due at ``now`` (each in its own transaction); returns how many
        emails were added."""
        added = 0
        for meeting_id, kind in await self._reminders.due(now):
            added += await self._reminders.remind(meeting_id, kind, now)
        return added
