"""Small helpers for loopback servers: free ports and waiting for a port to answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def preferred_port(preferred: int, usual: bool = True) -> int:
    """``preferred`` if it is free (and ``usual``), else any free port."""
    if not usual:
        return free_port()
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return free_port()


def wait_for_port(
    port: int,
    host: str = "127.0.0.1",
    timeout: float = 30.0,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Until something answers on the port; ``alive`` (the process that should answer) ends
    the wait early when it says the process is gone."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if alive is not None and not alive():
                raise RuntimeError(
                    f"the process for {host}:{port} ended before it answered"
                ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing answers on {host}:{port} after {timeout}s") from None
            time.sleep(0.05)
