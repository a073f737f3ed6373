"""Rate limits on the public pages (RSVP, decline, unsubscribe, consent): a client address
may open each page so often a minute (``PUBLIC_PAGES_PER_MINUTE``); beyond that it gets 429
with ``Retry-After``. Counted in the process (the ``limits`` library's moving window), so with
several replicas each counts its own share.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from aiq_shared.errors import DomainError


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"


class PublicPageLimit:
    """A route dependency: ``dependencies=[Depends(app_limit)]`` via :func:`rate_limited`."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, request: Request, per_minute: int) -> None:
        item = RateLimitItemPerMinute(per_minute)
        route = request.scope.get("route")
        page = getattr(route, "path", request.url.path)
        client = request.client.host if request.client else "unknown"
        if await self._limiter.hit(item, page, client):
            return
        stats = await self._limiter.get_window_stats(item, page, client)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        error = TooManyRequests(
            "Zu viele Aufrufe in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie "
            "es dann noch einmal."
        )
        error.headers = {"Retry-After": str(wait)}
        raise error


async def rate_limited(request: Request) -> None:
    """The dependency of a public page: counts the call against the client's limit."""
    runtime = request.app.state.runtime
    await runtime.public_page_limit.check(request, runtime.settings.public_pages_per_minute)
