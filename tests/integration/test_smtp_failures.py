"""SMTP trouble on a real SMTP conversation: temporary refusals retried, permanent ones dead."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager

from aiq_devstack.ports import free_port
from aiq_notifications.app import create_app
from aiq_notifications.settings import NotificationsSettings
from aiq_shared import topics
from aiq_shared.contracts.contacts import PersonCreatedV1
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from aiq_shared.envelope import to_kafka, wrap
from helpers import eventually

pytestmark = pytest.mark.integration


class MoodySmtp:
    """Refuses 'later@' twice with 451, 'never@' always with 550, accepts the rest."""

    def __init__(self) -> None:
        self.refusals: dict[str, int] = {}
        self.accepted: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("never@"):
            return "550 5.1.1 mailbox unknown"
        if address.startswith("later@") and self.refusals.get(address, 0) < 2:
            self.refusals[address] = self.refusals.get(address, 0) + 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


async def test_temporary_failures_are_retried_and_permanent_ones_end_dead(settings_for) -> None:
    smtp = MoodySmtp()
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = settings_for(
        NotificationsSettings,
        "notifications",
        smtp_port=controller.port,
        delivery_backoff_s=0.1,
        delivery_max_attempts=4,
        sender_poll_interval_s=0.1,
    )
    try:
        async with contextlib.AsyncExitStack() as stack:
            manager = await stack.enter_async_context(LifespanManager(create_app(settings)))
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=manager.app), base_url="http://n"
                )
            )
            await eventually(lambda: _ready(client), timeout=60)
            await _send_events(settings, ["later", "never"])

            async def settled():
                items = (await client.get("/deliveries")).json()["items"]
                states = {d["email"]: d for d in items}
                done = {"sent", "dead"}
                if len(states) == 2 and all(d["state"] in done for d in states.values()):
                    return states
                return None

            states = await eventually(settled, timeout=30)
    finally:
        controller.stop()
    later, never = states["later@betrieb.example"], states["never@betrieb.example"]
    assert later["state"] == "sent" and later["attempts"] == 3
    assert [h["state"] for h in later["history"]] == [
        "pending", "sending", "pending", "sending", "pending", "sending", "sent",
    ]  # fmt: skip
    assert never["state"] == "dead" and never["attempts"] == 1
    assert "550" in never["last_error"]
    assert smtp.accepted == ["later@betrieb.example"]


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


async def _send_events(settings, names: list[str]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for name in names:
            person = PersonCreatedV1(
                person_id=f"p-{name}",
                first_name=name,
                last_name="Test",
                email=f"{name}@betrieb.example",
                district="Hörde",
                email_consent=True,
            )
            registration = RegistrationConfirmedV1(
                registration_id=f"r-{name}",
                meeting={
                    "meeting_id": "m1",
                    "title": "Netzwerktreffen",
                    "starts_at": "2026-03-19T16:00:00+01:00",
                    "ends_at": "2026-03-19T19:00:00+01:00",
                    "venue": {"name": "Café Durchblick"},
                },
                person_id=person.person_id,
                display_name=person.display_name,
                district="Hörde",
                topic_table_ids=[],
                status="confirmed",
            )
            for topic, event in ((topics.CONTACTS, person), (topics.REGISTRATIONS, registration)):
                record = to_kafka(wrap(event, source="/aiq/test"))
                await producer.send_and_wait(
                    settings.kafka_topic_prefix + topic,
                    record.value,
                    key=record.key,
                    headers=record.headers,
                )
    finally:
        await producer.stop()
