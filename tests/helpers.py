"""Test helpers: waiting for an asynchronous system, and an SMTP handler that records."""

from __future__ import annotations

import asyncio
import contextlib
import email
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient, monitoring

from aiq_devstack.stack import Stack
from aiq_shared.auth import issue_token
from aiq_shared.contracts.base import EventContract
from aiq_shared.envelope import to_kafka, wrap


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


def service_client(app, settings, name: str = "service") -> httpx.AsyncClient:
    """An HTTP client for an app running in-process, calling as an admin."""
    token = issue_token(settings.auth_secret, "test-admin", "admin")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"http://{name}",
        headers={"Authorization": f"Bearer {token}"},
    )


async def publish(settings, *events: EventContract, source: str = "/aiq/tests", times: int = 1):
    """Put events on Kafka as a service's outbox relay would (``times`` > 1: a redelivery)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            record = to_kafka(wrap(event, source=source))
            for _ in range(times):
                await producer.send_and_wait(
                    settings.kafka_topic_prefix + event.topic,
                    record.value,
                    key=record.key,
                    headers=record.headers,
                )
    finally:
        await producer.stop()


# -- times ---------------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")


def upcoming(days: int = 30, hour: int = 16, hours: int = 3) -> tuple[datetime, datetime]:
    """A meeting's start and end ``days`` from today (Europe/Berlin): tests never use a date
    that has passed, since a meeting that has ended can't be published."""
    day = date.today() + timedelta(days=days)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)
    return start, start + timedelta(hours=hours)


def local(value: datetime) -> str:
    """Berlin wall-clock time without offset, as the API reads it."""
    return value.astimezone(BERLIN).replace(tzinfo=None).isoformat()


# -- driving the services over HTTP ---------------------------------------------------------


async def create_person(system, first: str, email_address: str | None, consent: bool = True):
    organisation = (
        await system.contacts.post(
            "/organisations", json={"name": f"Betrieb {first}", "district": "Hörde"}
        )
    ).json()
    body = {
        "first_name": first,
        "last_name": "Beispiel",
        "organisation_id": organisation["id"],
        "email": email_address,
        "email_consent": consent and email_address is not None,
    }
    return (await system.contacts.post("/people", json=body)).json()


async def register(system, meeting_id: str, person_id: str, tables: list[str]):
    async def attempt():
        response = await system.events.post(
            f"/events/{meeting_id}/registrations",
            json={"person_id": person_id, "topic_table_ids": tables},
        )
        # the events service learns about people from Kafka: wait until it has
        return None if "unknown person" in response.text else response

    return await eventually(attempt)


async def deliveries(system, **params) -> list[dict]:
    return (await system.notifications.get("/deliveries", params=params)).json()["items"]


async def recipient_known(system, person_id: str) -> bool:
    """Notifications has read the person from aiq.contacts (its own database, read directly)."""
    settings = system.settings["notifications"]
    client = AsyncMongoClient(settings.mongo_url)
    try:
        return (
            await client[settings.mongo_db]["recipients"].find_one({"_id": person_id}) is not None
        )
    finally:
        await client.close()


# -- the whole system as processes (tests/e2e) ------------------------------------------------


def wait_for(probe, timeout: float = 20.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {result!r}")
        time.sleep(interval)


def parsed(messages: list[bytes]) -> list[email.message.EmailMessage]:
    """What an in-test SMTP server received, as messages."""
    return [email.message_from_bytes(m, policy=policy.default) for m in messages]  # type: ignore[misc]


def mail_to(system, address: str) -> list[email.message.EmailMessage]:
    return [m for m in parsed(system.mail.messages) if m["To"].addresses[0].addr_spec == address]


def mails(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted(folder.glob("*.eml"))
    ]


def logs_of(stack: Stack) -> str:
    """The end of every process's log, for a failure message."""
    parts = []
    for path in sorted(stack.log_dir.glob("*.log")):
        parts.append(f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-30:]))
    return "\n".join(parts)


def nothing_in_flight(checks: dict) -> bool:
    """A service's readiness checks say it has nothing in flight: its outbox is empty, its
    consumers have read to the end of their partitions and no email waits to be sent."""
    lags = checks.get("consumer_lag") or {}
    if checks.get("outbox_pending") != 0 or any(lag != 0 for lag in lags.values()):
        return False
    return not checks.get("deliveries_waiting")


async def settled(*clients: httpx.AsyncClient, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Wait until nothing is in flight: every service's outbox is empty, its consumers have
    read to the end of their partitions (lag 0) and no email waits to be sent, seen twice in
    a row (an event one service handles may make another publish).

    This replaces fixed sleeps that waited for "nothing more arrives"."""

    async def quiet() -> bool:
        for client in clients:
            if not nothing_in_flight((await client.get("/ready")).json().get("checks", {})):
                return False
        return True

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    in_a_row = 0
    while in_a_row < 2:
        in_a_row = in_a_row + 1 if await quiet() else 0
        if loop.time() > deadline:
            raise AssertionError(f"still busy after {timeout}s")
        await asyncio.sleep(0.3)


class CommandRecorder(monitoring.CommandListener):
    """The commands MongoDB clients send while :meth:`recording`. pymongo's listeners are
    process-wide, reach only clients made after they are registered, and can't be removed:
    so one recorder, registered once (:func:`record_commands`, at a test module's import),
    idle but for a check of ``seen`` between recordings."""

    def __init__(self) -> None:
        self.seen: list[monitoring.CommandStartedEvent] | None = None
        self.registered = False

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[monitoring.CommandStartedEvent]]:
        self.seen = []
        try:
            yield self.seen
        finally:
            self.seen = None

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.seen is not None:
            self.seen.append(event)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


COMMANDS = CommandRecorder()


def record_commands() -> CommandRecorder:
    """The recorder, registered (once) for every client made from now on."""
    if not COMMANDS.registered:
        monitoring.register(COMMANDS)
        COMMANDS.registered = True
    return COMMANDS
