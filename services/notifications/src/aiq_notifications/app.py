"""Composition root of the notifications service."""

from __future__ import annotations

from fastapi import FastAPI

from aiq_notifications import api, pages, read_models, repository
from aiq_notifications.campaigns import Campaigns
from aiq_notifications.consumers import (
    contacts_handlers,
    meetings_handlers,
    registrations_handlers,
)
from aiq_notifications.correspondence import Correspondence
from aiq_notifications.dashboards import DashboardChanges
from aiq_notifications.privacy import Privacy
from aiq_notifications.registrations import Registrations
from aiq_notifications.reminders import Reminders
from aiq_notifications.sender import DeliverySender
from aiq_notifications.service import NotificationsService
from aiq_notifications.settings import NotificationsSettings
from aiq_shared import topics
from aiq_shared.runtime import ServiceRuntime, build_app


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(settings)
    runtime.indexes(repository.ensure_indexes)
    runtime.indexes(read_models.ensure_indexes)
    changes = DashboardChanges()
    correspondence = Correspondence(runtime.database, settings, changes)
    service = NotificationsService(runtime.database, settings, correspondence, changes)
    campaigns = Campaigns(runtime.database, correspondence)
    privacy = Privacy(runtime.database, settings, correspondence)
    reminders = Reminders(runtime.database, settings, correspondence)
    registrations = Registrations(runtime.database, settings, correspondence, changes)
    runtime.consume("contacts", topics.CONTACTS, contacts_handlers(service, privacy))
    runtime.consume("meetings", topics.EVENTS, meetings_handlers(service, campaigns, reminders))
    runtime.consume("registrations", topics.REGISTRATIONS, registrations_handlers(registrations))
    sender = DeliverySender(
        runtime.database, settings, correspondence.deliveries_waiting, changes.notify
    )
    runtime.worker("email-sender", sender.run)
    runtime.worker("reminders", reminders.run)
    app = build_app(
        title="AiQ Benachrichtigungen (notifications)",
        description="Invitation, confirmation and waitlist emails (German, text + HTML, .ics) "
        "and district dashboards, driven by `aiq.contacts`, `aiq.events` and "
        "`aiq.registrations`.",
        runtime=runtime,
        routers=[api.router, pages.router],
    )
    app.state.notifications = service
    app.state.campaigns = campaigns
    app.state.privacy = privacy
    app.state.reminders = reminders
    app.state.dashboard_changes = changes
    return app
