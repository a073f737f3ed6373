"""Test helpers: waiting for an asynchronous system, and an SMTP handler that records."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class RecordingHandler:
    """An SMTP server's handler that keeps every message (a real SMTP conversation)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


async def eventually(
    probe: Callable[[], Any | Awaitable[Any]],
    timeout: float = 15.0,  # noqa: ASYNC109 - a polling deadline, not an I/O timeout
    interval: float = 0.1,
) -> Any:
    """Poll ``probe`` until it returns something truthy (the system is asynchronous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)
