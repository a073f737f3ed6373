"""The three services in-process (ASGI), each with its own database, on the test servers."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import httpx
import pytest
from asgi_lifespan import LifespanManager

from aiq_contacts.app import create_app as contacts_app
from aiq_contacts.settings import ContactsSettings
from aiq_events.app import create_app as events_app
from aiq_events.settings import EventsSettings
from aiq_notifications.app import create_app as notifications_app
from aiq_notifications.settings import NotificationsSettings
from helpers import RecordingHandler, eventually


@dataclass
class System:
    contacts: httpx.AsyncClient
    events: httpx.AsyncClient
    notifications: httpx.AsyncClient
    mail: RecordingHandler
    settings: dict


@pytest.fixture
async def system(settings_for, smtp_server):
    controller, mail = smtp_server
    settings = {
        "contacts": settings_for(ContactsSettings, "contacts"),
        "events": settings_for(EventsSettings, "events"),
        "notifications": settings_for(
            NotificationsSettings,
            "notifications",
            smtp_port=controller.port,
            delivery_backoff_s=0.2,
            sender_poll_interval_s=0.2,
        ),
    }
    factories = {"contacts": contacts_app, "events": events_app, "notifications": notifications_app}
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name, factory in factories.items():
            app = factory(settings[name])
            manager = await stack.enter_async_context(LifespanManager(app, startup_timeout=60))
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=manager.app), base_url=f"http://{name}"
                )
            )
            clients[name] = client
        for client in clients.values():
            await eventually(lambda client=client: _ready(client), timeout=60)
        yield System(mail=mail, settings=settings, **clients)


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200
