"""Composition root of the contacts service."""

from __future__ import annotations

from fastapi import FastAPI

from aiq_contacts import api, attendance_api, reference_api, repository
from aiq_contacts.consumers import meetings_handlers, notifications_handlers, registrations_handlers
from aiq_contacts.importing import Importer
from aiq_contacts.meeting_history import MeetingHistory
from aiq_contacts.service import ContactsService
from aiq_contacts.settings import ContactsSettings
from aiq_shared import topics
from aiq_shared.runtime import ServiceRuntime, build_app


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ServiceRuntime(settings)
    runtime.indexes(repository.ensure_indexes)
    service = ContactsService(runtime.database, settings)
    meetings = MeetingHistory(runtime.database)
    runtime.consume("notifications", topics.NOTIFICATIONS, notifications_handlers(service))
    runtime.consume("registrations", topics.REGISTRATIONS, registrations_handlers(meetings))
    runtime.consume("meetings", topics.EVENTS, meetings_handlers(meetings))
    importer = Importer(runtime.database, service, settings)
    runtime.worker("imports", importer.worker)
    app = build_app(
        title="AiQ Kontakte (contacts)",
        description="Organisations (companies, schools), people, consent (DSGVO), segments and "
        "contact history of Ausbildung im Quartier. Every change is published on the Kafka topic "
        "`aiq.contacts`; consent withdrawn or confirmed through an email's link arrives from "
        "`aiq.notifications`; meeting attendance and outcomes from `aiq.registrations` and "
        "`aiq.events`. See docs/contacts.md.",
        runtime=runtime,
        routers=[api.router, attendance_api.router, reference_api.router],
    )
    app.state.contacts = service
    app.state.meetings = meetings
    app.state.importer = importer
    return app
