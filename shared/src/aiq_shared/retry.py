"""The retry policy of the whole system, in one place, on stamina (retries with exponential
backoff, jitter and a time limit; https://stamina.hynek.me). Retries are logged by stamina's
structlog hook.

- :func:`transient_attempts`: a MongoDB transaction or write that hit a transient failure
  (write conflict, a busy embedded engine, a failover) runs again, for up to 30 s.
- :func:`until_it_works`: start-up, reconnect and worker loops (MongoDB or Kafka not there
  yet, a worker's tick failing) try again with growing pauses, without a limit.

Use: ``async for attempt in transient_attempts(pred): with attempt: ...``. Tests may call
``stamina.set_testing(True)`` to retry without waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable

import stamina
from stamina import Attempt

TRANSIENT_FOR_S = 30.0


def transient_attempts(
    is_transient: Callable[[Exception], bool], *, timeout: float = TRANSIENT_FOR_S
) -> AsyncIterable[Attempt]:
    """Attempts of a block that runs again while it raises an exception ``is_transient``
    accepts, for at most ``timeout`` seconds; short pauses (4 ms growing to 0.2 s)."""
    return stamina.retry_context(
        on=is_transient,
        attempts=None,
        timeout=timeout,
        wait_initial=0.004,
        wait_max=0.2,
        wait_jitter=0.01,
    )


def until_it_works(
    on: type[BaseException] | tuple[type[BaseException], ...] | Callable[[Exception], bool],
    *,
    wait_max: float = 5.0,
) -> AsyncIterable[Attempt]:
    """Attempts without a limit on their number or time; pauses grow from 0.2 s to
    ``wait_max``."""
    return stamina.retry_context(
        on=on, attempts=None, timeout=None, wait_initial=0.2, wait_max=wait_max, wait_jitter=0.2
    )
