"""Shared fixtures: real servers (see infrastructure.py), fresh names per test."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller

from aiq_devstack.ports import free_port
from aiq_devstack.staff import DEVELOPMENT_STAFF
from helpers import RecordingHandler
from infrastructure import Infrastructure, embedded_mongo, infrastructure

# The longest runs first, so that with several workers (``./aiq test`` runs ``-n auto``)
# none is left running alone at the end: fault runs, then the other end-to-end and browser
# tests, then the rest in their usual order.
LONGEST_FIRST = ("e2e/test_crash.py", "e2e/test_broker_restarts.py", "e2e/test_openapi_fuzz.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        for i, slowest in enumerate(LONGEST_FIRST):
            if slowest in path:
                return i
        if "tests/e2e/" in path or "tests/browser/" in path:
            return len(LONGEST_FIRST)
        return len(LONGEST_FIRST) + 1

    items.sort(key=rank)  # stable: the order within each rank stays


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    with infrastructure() as servers:
        yield servers


MODULES_PER_EMBEDDED_MONGO = 5


class EmbeddedMongos:
    """Embedded MongoDB servers, each shared by a few test modules then replaced: mongoeco's
    SQLite engine slows down as it fills (one server for a whole run took minutes longer),
    and starting one costs ~2.5 s of CPU (one per module took minutes too)."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._url: str | None = None
        self._uses = 0

    def url(self) -> str:
        if self._url is None or self._uses >= MODULES_PER_EMBEDDED_MONGO:
            self._stack.close()
            self._stack = contextlib.ExitStack()
            self._url = self._stack.enter_context(embedded_mongo())
            self._uses = 0
        self._uses += 1
        return self._url

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def embedded_mongos() -> Iterator[EmbeddedMongos]:
    servers = EmbeddedMongos()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="module")
def mongo_url(infra: Infrastructure, request: pytest.FixtureRequest) -> str:
    """The real MongoDB of the run, or an embedded server shared by a few test modules
    (each test uses databases of its own names: ``settings_for``)."""
    if infra.kind != "embedded":
        return infra.mongo_url
    return request.getfixturevalue("embedded_mongos").url()


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def settings_for(infra: Infrastructure, mongo_url: str, run_id: str) -> Callable:
    """Settings of one service wired to the test servers, in names nobody else uses."""

    def make(settings_class: type, service: str, **overrides: object):
        overrides.setdefault("staff", list(DEVELOPMENT_STAFF))
        return settings_class(
            mongo_url=mongo_url,
            mongo_db=f"t_{run_id}_{service}",
            kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
            kafka_idempotence=infra.kafka_idempotence,
            kafka_verify_writes=infra.kind == "embedded",
            kafka_topic_prefix=f"t{run_id}.",
            kafka_group_prefix=f"t{run_id}",
            kafka_session_timeout_ms=2000,
            kafka_heartbeat_interval_ms=300,
            outbox_poll_interval_s=0.2,
            consumer_retry_later_s=5,
            **overrides,
        )

    return make


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
