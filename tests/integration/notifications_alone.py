"""The notifications service alone (in-process) on the test servers, with an SMTP server that
keeps every message as received: the tests play the contacts and events services' parts by
putting their events on Kafka, so they need neither of them (nor their branches' changes)."""

from __future__ import annotations

import contextlib
import email
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import policy
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from aiq_notifications.app import create_app
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.contracts.base import EventContract
from aiq_shared.contracts.contacts import OrganisationCreatedV1, PersonCreatedV1
from aiq_shared.contracts.registrations import RegistrationSnapshot
from helpers import RecordingHandler, eventually, publish, service_client

MEETING = {
    "meeting_id": "m-spring",
    "title": "Netzwerktreffen Hörde",
    "starts_at": "2026-03-19T16:00:00+01:00",
    "ends_at": "2026-03-19T19:00:00+01:00",
    "venue": {"name": "Café Durchblick", "address": "Dortmund"},
}


@dataclass
class Alone:
    settings: NotificationsSettings
    client: httpx.AsyncClient
    app: FastAPI
    mail: RecordingHandler

    async def publish(self, *events: EventContract, times: int = 1) -> None:
        await publish(self.settings, *events, times=times)

    async def stored(self, collection: str, document_id: str) -> dict[str, Any] | None:
        """A document of the service's own database (to wait until an event has arrived)."""
        client: AsyncMongoClient = AsyncMongoClient(self.settings.mongo_url)
        try:
            return await client[self.settings.mongo_db][collection].find_one({"_id": document_id})
        finally:
            await client.close()

    async def knows(self, person_id: str) -> None:
        await eventually(lambda: self.stored("recipients", person_id))

    def raw_to(self, address: str) -> list[bytes]:
        """Messages to ``address`` exactly as the SMTP server received them."""
        needle = f"<{address}>".encode()
        return [m for m in self.mail.messages if needle in m.split(b"\r\n\r\n", 1)[0]]

    def mail_to(self, address: str) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(m, policy=policy.default)  # type: ignore[misc]
            for m in self.raw_to(address)
        ]

    async def deliveries(self, **params: str) -> list[dict[str, Any]]:
        return (await self.client.get("/deliveries", params=params)).json()["items"]


@contextlib.asynccontextmanager
async def notifications_alone(  # type: ignore[no-untyped-def]
    settings_for, smtp_server, clock: Clock = SYSTEM_CLOCK, **overrides: Any
) -> AsyncIterator[Alone]:
    """``overrides`` may change any setting, those the test servers set too; ``clock`` is the
    time the service reads (a FrozenClock lets the test choose it)."""
    controller, mail = smtp_server
    settings = settings_for(
        NotificationsSettings,
        "notifications",
        smtp_port=controller.port,
        delivery_backoff_s=0.2,
        sender_poll_interval_s=0.2,
    ).model_copy(update=overrides)
    app = create_app(settings, clock=clock)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        service_client(manager.app, settings, "notifications") as client,
    ):
        await eventually(lambda: _ready(client), timeout=60)
        yield Alone(settings=settings, client=client, app=app, mail=mail)


def text(message: email.message.EmailMessage) -> str:
    """The plain-text part, with the line ends it had before it went over SMTP."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


def html(message: email.message.EmailMessage) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


# -- the other services' events, as they would publish them ------------------------------------


def organisation(organisation_id: str, **fields: Any) -> OrganisationCreatedV1:
    return OrganisationCreatedV1(
        organisation_id=organisation_id,
        name=fields.pop("name", f"Betrieb {organisation_id}"),
        district=fields.pop("district", "Hörde"),
        **fields,
    )


def person(person_id: str, first_name: str, **fields: Any) -> PersonCreatedV1:
    return PersonCreatedV1(
        person_id=person_id,
        first_name=first_name,
        last_name=fields.pop("last_name", "Beispiel"),
        email=fields.pop("email", f"{first_name.lower()}.{person_id}@betrieb.example"),
        district=fields.pop("district", "Hörde"),
        email_consent=fields.pop("email_consent", True),
        **fields,
    )


def registration[R: RegistrationSnapshot](
    event_type: type[R], registration_id: str, who: PersonCreatedV1, **fields: Any
) -> R:
    return event_type(
        registration_id=registration_id,
        meeting=fields.pop("meeting", MEETING),
        person_id=who.person_id,
        display_name=who.display_name,
        district=who.district,
        organisation_id=fields.pop("organisation_id", who.organisation_id),
        topic_table_ids=fields.pop("topic_table_ids", []),
        status=fields.pop("status", "confirmed"),
        **fields,
    )
