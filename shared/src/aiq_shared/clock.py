"""The one clock every service reads the time from, so tests can choose the time.

Use cases and workers take a :class:`Clock` from the composition root (``runtime.clock``)
and call ``clock.now()`` (timezone-aware UTC) instead of ``datetime.now``. Tests pass a
:class:`FrozenClock` and move it on with :meth:`FrozenClock.advance` or :meth:`FrozenClock.set`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until told otherwise (tests)."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, by: timedelta) -> None:
        self._at += by


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a clock's time must carry its time zone")
    return at.astimezone(UTC)


SYSTEM_CLOCK = SystemClock()
