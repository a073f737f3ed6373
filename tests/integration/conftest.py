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
from helpers import RecordingHandler, eventually, service_client


@dataclass
class System:
    contacts: httpx.AsyncClient
    events: httpx.AsyncClient
    notifications: httpx.AsyncClient | None
    mail: RecordingHandler
    settings: dict
    apps: dict


@pytest.fixture
async def system(settings_for, smtp_server):
    """All three services."""
    async with running(settings_for, smtp_server, with_notifications=True) as services:
        yield services


@pytest.fixture
async def contacts_and_events(settings_for, smtp_server):
    """Contacts and events only: for load on the registration path without 200 emails."""
    async with running(settings_for, smtp_server, with_notifications=False) as services:
        yield services


@contextlib.asynccontextmanager
async def running(settings_for, smtp_server, with_notifications: bool):
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
    if not with_notifications:
        del factories["notifications"]
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient | None] = {"notifications": None}
        apps = {}
        for name, factory in factories.items():
            app = factory(settings[name])
            manager = await stack.enter_async_context(
                LifespanManager(app, startup_timeout=60, shutdown_timeout=30)
            )
            client = await stack.enter_async_context(
                service_client(manager.app, settings[name], name)
            )
            clients[name] = client
            apps[name] = app
        for client in clients.values():
            if client is not None:
                await eventually(lambda client=client: _ready(client), timeout=60)
        yield System(mail=mail, settings=settings, apps=apps, **clients)


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200
