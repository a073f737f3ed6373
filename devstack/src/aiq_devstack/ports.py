"""Small helpers for loopback servers: free ports and waiting for a port to answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def free_port() -> int:
    """A port nobody listens on, kept from the kernel's next free-port picks for a while.

    A port merely found free is free for anyone: another test worker's ``free_port()`` can be
    handed the same one and bind it first (seen here: one stack's events service could not
    bind, and another stack's staff app answered on its port). So this connects to the port
    once and closes the accepted end first, which leaves a TIME_WAIT socket on it for about a
    minute: the kernel then picks other ports for ``bind(0)``, while the server meant for it
    binds it with SO_REUSEADDR (uvicorn, asyncio's servers and tansu all do). The same trick
    as Yelp's ephemeral-port-reserve.
    """
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # this end closes first, so it holds the TIME_WAIT
            client.recv(1)  # until the close has arrived
    return port


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
