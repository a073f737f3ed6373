"""Composition root of the events service."""

from __future__ import annotations

from fastapi import FastAPI

from aiq_events import api, decline_pages, pages, repository
from aiq_events.consumers import contacts_handlers
from aiq_events.invitations import InvalidLink
from aiq_events.service import EventsService
from aiq_events.settings import EventsSettings
from aiq_shared import topics
from aiq_shared.runtime import ServiceRuntime, build_app


def create_app(settings: EventsSettings | None = None) -> FastAPI:
    settings = settings or EventsSettings()
    runtime = ServiceRuntime(settings)
    runtime.indexes(repository.ensure_indexes)
    service = EventsService(
        runtime.database,
        settings.districts,
        link_secret=settings.link_secret,
        public_base_url=settings.public_base_url,
    )
    runtime.consume("contacts", topics.CONTACTS, contacts_handlers(service))
    runtime.worker(
        "move-up-offers", lambda: service.offer_expiry_worker(settings.offer_check_interval_s)
    )
    app = build_app(
        title="AiQ Veranstaltungen (events)",
        description="Meetings (Netzwerktreffen), invitations with personal RSVP links, topic "
        "tables, registrations and waitlist, check-in, outcomes and reports. "
        "Changes are published on `aiq.events` and `aiq.registrations`; people are known from "
        "`aiq.contacts`.",
        runtime=runtime,
        routers=[api.router, pages.router, decline_pages.router],
    )
    app.add_exception_handler(InvalidLink, pages.link_problem)  # a German page, never JSON
    app.state.events = service
    return app
