"""Shared fixtures: real servers (see infrastructure.py), fresh names per test."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def mongo_url(infra: Infrastructure) -> Iterator[str]:
    """The real MongoDB of the run, or a fresh embedded server for each test module."""
    if infra.kind != "embedded":
        yield infra.mongo_url
        return
    with embedded_mongo() as url:
        yield url


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
