"""Composition root of the contacts service."""

from __future__ import annotations

from fastapi import FastAPI

from aiq_contacts import api, repository
from aiq_contacts.consumers import notifications_handlers
from aiq_contacts.service import ContactsService
from aiq_contacts.settings import ContactsSettings
from aiq_shared import topics
from aiq_shared.runtime import ServiceRuntime, build_app


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ServiceRuntime(settings)
    runtime.indexes(repository.ensure_indexes)
    service = ContactsService(runtime.database, settings.districts)
    runtime.consume("notifications", topics.NOTIFICATIONS, notifications_handlers(service))
    app = build_app(
        title="AiQ Kontakte (contacts)",
        description="Organisations (companies, schools) and people of Ausbildung im Quartier. "
        "Every change is published on the Kafka topic `aiq.contacts`; consent withdrawn "
        "through an email's unsubscribe link arrives from `aiq.notifications`.",
        runtime=runtime,
        routers=[api.router],
    )
    app.state.contacts = service
    return app
