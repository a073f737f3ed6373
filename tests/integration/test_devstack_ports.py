"""The launcher's ports: many stacks start side by side (test workers), none takes another's."""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aiq_devstack.ports import free_port
from aiq_devstack.stack import SERVICES, Stack, StackConfig


def test_a_port_handed_out_is_kept_from_others_but_its_server_binds_it() -> None:
    port = free_port()
    # what another worker's free-port pick or a plain bind does: refused for a while
    with socket.socket() as other, pytest.raises(OSError) as refused:
        other.bind(("127.0.0.1", port))
    assert refused.value.errno == errno.EADDRINUSE

    # the server meant for it binds it, as asyncio's servers (uvicorn, the catcher) do
    async def serve() -> int:
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)
        async with server:
            return server.sockets[0].getsockname()[1]

    assert asyncio.run(serve()) == port
    # and the next ports handed out are others
    assert port not in {free_port() for _ in range(200)}


@contextmanager
def _answering_ready_as(service: str) -> Iterator[int]:
    class Ready(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = json.dumps({"status": "ready", "service": service}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_stack_is_not_ready_while_another_stacks_process_answers_on_its_port(
    tmp_path,
) -> None:
    with (
        _answering_ready_as("contacts") as contacts,
        _answering_ready_as("staff") as taken,  # another stack's staff app on "events"' port
        _answering_ready_as("notifications") as notifications,
    ):
        ports = {"contacts": contacts, "events": taken, "notifications": notifications}
        assert set(ports) == set(SERVICES)
        stack = Stack(StackConfig(data_dir=tmp_path, service_ports=ports, staff_app=False))
        with pytest.raises(TimeoutError) as waited:
            stack.wait_ready(timeout=1.0)
        assert str(waited.value).endswith("not ready after 1.0s: events")
