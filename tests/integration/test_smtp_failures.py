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
from helpers import eventually, service_client

pytestmark = pytest.mark.integration


class MoodySmtp:
    """Refuses 'later@' twice with 451, 'never@' always with 550, accepts the rest."""

    def __init__(self) -> None:
        self.refusals: dict[str, int] = {}
        self.accepted: list[str] = []
        self.asked: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        self.asked.append(address)
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


@contextlib.asynccontextmanager
async def notifications_against(smtp: MoodySmtp, settings_for, **overrides):  # type: ignore[no-untyped-def]
    """The notifications service (in-process) sending to ``smtp``; yields (settings, client)."""
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = settings_for(
        NotificationsSettings,
        "notifications",
        smtp_port=controller.port,
        sender_poll_interval_s=0.1,
        **overrides,
    )
    try:
        async with contextlib.AsyncExitStack() as stack:
            manager = await stack.enter_async_context(LifespanManager(create_app(settings)))
            client = await stack.enter_async_context(service_client(manager.app, settings))
            await eventually(lambda: _ready(client), timeout=60)
            yield settings, client
    finally:
        controller.stop()


async def test_temporary_failures_are_retried_and_permanent_ones_end_dead(settings_for) -> None:
    smtp = MoodySmtp()
    async with notifications_against(
        smtp, settings_for, delivery_backoff_s=0.1, delivery_max_attempts=4
    ) as (settings, client):
        await _send_events(settings, ["later", "never"])

        async def settled():
            items = (await client.get("/deliveries")).json()["items"]
            states = {d["email"]: d for d in items}
            done = {"sent", "dead"}
            if len(states) == 2 and all(d["state"] in done for d in states.values()):
                return states
            return None

        states = await eventually(settled, timeout=30)
    later, never = states["later@betrieb.example"], states["never@betrieb.example"]
    assert later["state"] == "sent" and later["attempts"] == 3
    assert [h["state"] for h in later["history"]] == [
        "pending", "sending", "pending", "sending", "pending", "sending", "sent",
    ]  # fmt: skip
    assert never["state"] == "dead" and never["attempts"] == 1
    assert "550" in never["last_error"]
    assert smtp.accepted == ["later@betrieb.example"]


async def test_an_address_refused_permanently_three_times_is_put_on_hold(settings_for) -> None:
    smtp = MoodySmtp()
    async with notifications_against(smtp, settings_for, hard_bounces_until_hold=3) as (
        settings,
        client,
    ):
        await _send_events(settings, ["never"], registrations_each=4)

        async def all_dead():
            items = (await client.get("/deliveries")).json()["items"]
            return items if len(items) == 4 and all(d["state"] == "dead" for d in items) else None

        items = await eventually(all_dead, timeout=30)
        holds = (await client.get("/address-holds")).json()["items"]
        lifted = await client.delete("/address-holds/never@betrieb.example")
        lifted_again = await client.delete("/address-holds/never@betrieb.example")
    assert smtp.asked.count("never@betrieb.example") == 3  # the fourth never reached SMTP
    errors = sorted(d["last_error"] for d in items)
    assert sum("on hold after 3 permanent refusals" in e for e in errors) == 1
    assert holds == [{"email": "never@betrieb.example", "hard_bounces": 3, "on_hold": True}]
    assert lifted.status_code == 204 and lifted_again.status_code == 404


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


async def _send_events(settings, names: list[str], registrations_each: int = 1) -> None:
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
            registrations = [
                RegistrationConfirmedV1(
                    registration_id=f"r-{name}-{k}",
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
                for k in range(registrations_each)
            ]
            events = [(topics.CONTACTS, person)] + [
                (topics.REGISTRATIONS, r) for r in registrations
            ]
            for topic, event in events:
                record = to_kafka(wrap(event, source="/aiq/test"))
                await producer.send_and_wait(
                    settings.kafka_topic_prefix + topic,
                    record.value,
                    key=record.key,
                    headers=record.headers,
                )
    finally:
        await producer.stop()
