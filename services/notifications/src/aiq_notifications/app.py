"""Composition root of the notifications service: settings, runtime, the subjects' services,
their routers, consumers and workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI

from aiq_notifications.campaigns import consumers as campaign_events
from aiq_notifications.campaigns import routes as campaign_routes
from aiq_notifications.campaigns.readings import READ_EVERY_S, Readings
from aiq_notifications.campaigns.service import Campaigns
from aiq_notifications.dashboards import pages as dashboard_pages
from aiq_notifications.dashboards import routes as dashboard_routes
from aiq_notifications.dashboards.changes import DashboardChanges
from aiq_notifications.dashboards.service import Dashboards
from aiq_notifications.deliveries import routes as delivery_routes
from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.sending import Sending
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.deliveries.workers import Sender
from aiq_notifications.directory import consumers as directory_events
from aiq_notifications.directory.service import Invitations, KnownMeetings, People
from aiq_notifications.meetings import consumers as meeting_events
from aiq_notifications.meetings.service import Meetings
from aiq_notifications.privacy import consumers as privacy_events
from aiq_notifications.privacy import pages as privacy_pages
from aiq_notifications.privacy.service import Privacy
from aiq_notifications.registrations import consumers as registration_events
from aiq_notifications.registrations.service import Registrations
from aiq_notifications.reminders import consumers as reminder_events
from aiq_notifications.reminders.service import Reminders
from aiq_notifications.reminders.workers import Scheduler
from aiq_notifications.settings import NotificationsSettings
from aiq_notifications.web import static as static_files
from aiq_notifications.web.headers import SecurityHeaders
from aiq_shared import topics
from aiq_shared.application import build_app
from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.mongo import Database
from aiq_shared.pacing import SharedPace
from aiq_shared.repository import Repository
from aiq_shared.runtime import ServiceRuntime


def create_app(
    settings: NotificationsSettings | None = None, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(settings, clock)
    database = runtime.database
    changes = DashboardChanges()

    people = People(database)
    known_meetings = KnownMeetings(database, clock)
    invitations = Invitations(database)
    correspondence = Correspondence(
        database, settings, clock, people, known_meetings, changes.notify
    )
    holds = AddressHolds(database, settings)
    deliveries = Deliveries(database, clock, holds, changes.notify)
    dashboards = Dashboards(database, clock, deliveries, changes)
    campaigns = Campaigns(
        database, people, known_meetings, invitations, correspondence, deliveries, dashboards
    )
    registrations = Registrations(
        database, clock, people, known_meetings, invitations, dashboards, correspondence
    )
    meetings = Meetings(
        people, known_meetings, registrations, dashboards, deliveries, campaigns, correspondence
    )
    reminders = Reminders(
        database, settings, people, known_meetings, invitations, registrations, deliveries,
        correspondence,
    )  # fmt: skip
    privacy = Privacy(database, settings, clock, people, deliveries, correspondence)

    runtime.indexes(
        _indexes(
            [
                *people.repositories,
                *known_meetings.repositories,
                *invitations.repositories,
                *deliveries.repositories,
                *dashboards.repositories,
                *campaigns.repositories,
                *registrations.repositories,
                *privacy.repositories,
            ]
        )
    )
    # documents kept before they carried their districts get them (issue 11), once
    runtime.indexes(lambda _database: deliveries.backfill_districts(known_meetings.districts_of))
    runtime.indexes(lambda _database: campaigns.backfill_districts())
    runtime.indexes(lambda _database: deliveries.fill_send_queue())  # kept before the queue
    runtime.indexes(lambda _database: deliveries.fill_tallies())  # before the tallies
    runtime.handle(topics.CONTACTS, directory_events.contacts_handlers(people))
    runtime.handle(topics.CONTACTS, privacy_events.contacts_handlers(privacy))
    for handlers in (
        directory_events.meetings_handlers(known_meetings),
        meeting_events.events_handlers(meetings),
        campaign_events.events_handlers(campaigns),
        reminder_events.events_handlers(reminders),
    ):
        # aiq.events has been read by the consumer named "meetings" from the start (its
        # consumer group and dedupe records carry the name), so it keeps that name
        runtime.consume("meetings", topics.EVENTS, handlers)
    runtime.handle(topics.REGISTRATIONS, registration_events.registrations_handlers(registrations))

    # one pace for every replica, in bursts of a second's worth after a quiet spell
    pace = SharedPace(
        database,
        "email-sender",
        settings.send_rate_per_minute,
        burst=max(1, settings.send_rate_per_minute // 60),
    )
    sending = Sending(database, settings, clock, holds, changes.notify)
    sender = Sender(settings, clock, sending, holds, pace)
    runtime.every(
        "email-sender",
        sender.tick,
        every_s=settings.sender_poll_interval_s,
        wake=correspondence.deliveries_waiting,
    )
    scheduler = Scheduler(reminders, clock)
    runtime.every(
        "reminders", scheduler.tick, every_s=settings.scheduler_poll_interval_s, leased=True
    )
    readings = Readings(clock, deliveries, campaigns, settings.delivery_counts_every_s)
    runtime.every("readings", readings.tick, every_s=READ_EVERY_S)
    runtime.report("deliveries_waiting", deliveries.waiting)

    app = build_app(
        title="AiQ Benachrichtigungen (notifications)",
        description="Invitation, confirmation and waitlist emails (German, text + HTML, .ics) "
        "and district dashboards, driven by `aiq.contacts`, `aiq.events` and "
        "`aiq.registrations`.",
        runtime=runtime,
        routers=[
            delivery_routes.router,
            campaign_routes.router,
            dashboard_routes.router,
            privacy_pages.router,
            dashboard_pages.router,
            static_files.router,
        ],
    )
    app.add_middleware(SecurityHeaders)  # on every answer, pages above all (web/headers.py)
    app.state.deliveries = deliveries
    app.state.address_holds = holds
    app.state.campaigns = campaigns
    app.state.dashboards = dashboards
    app.state.dashboard_changes = changes
    app.state.privacy = privacy
    app.state.reminders = scheduler  # tests drive its rounds with a chosen now (send_due)
    return app


def _indexes(repositories: Iterable[Repository]) -> Callable[[Database], Awaitable[None]]:
    """Every repository's indexes, created at start-up."""
    wanted = list(repositories)

    async def setup(_database: Database) -> None:
        for repository in wanted:
            await repository.ensure_indexes()

    return setup
