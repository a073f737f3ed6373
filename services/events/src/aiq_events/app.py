"""Composition root of the events service: settings, runtime, repositories, services, routers,
consumers and workers, wired once here."""

from __future__ import annotations

from fastapi import FastAPI

from aiq_events import rendering
from aiq_events.day import pages as desk_pages
from aiq_events.day import routes as day_routes
from aiq_events.day.service import DayService
from aiq_events.directory.consumers import contacts_handlers
from aiq_events.directory.copies import Copies
from aiq_events.directory.repository import (
    OrganisationsRepository,
    PeopleRepository,
    SegmentsRepository,
    StoredAnswers,
)
from aiq_events.directory.service import Directory
from aiq_events.invitations import routes as invitation_routes
from aiq_events.invitations.answers import Answers
from aiq_events.invitations.campaigns import Campaigns
from aiq_events.invitations.links import PersonalLinks
from aiq_events.invitations.repository import CampaignsRepository, InvitationsRepository
from aiq_events.invitations.service import InvitationsService
from aiq_events.meetings import routes as meeting_routes
from aiq_events.meetings.changes import MeetingChanges
from aiq_events.meetings.repository import MeetingsRepository
from aiq_events.meetings.service import MeetingsService
from aiq_events.outcomes import routes as outcome_routes
from aiq_events.outcomes.repository import OutcomesRepository
from aiq_events.outcomes.service import OutcomesService
from aiq_events.registrations import routes as registration_routes
from aiq_events.registrations.repository import RegistrationsRepository
from aiq_events.registrations.service import RegistrationsService, Rosters
from aiq_events.registrations.workers import offer_expiry
from aiq_events.rsvp import pages as rsvp_pages
from aiq_events.settings import EventsSettings
from aiq_shared import topics
from aiq_shared.application import build_app
from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.links import InvalidLink
from aiq_shared.mongo import Database
from aiq_shared.runtime import ServiceRuntime


def create_app(settings: EventsSettings | None = None, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    settings = settings or EventsSettings()
    runtime = ServiceRuntime(settings, clock)
    database, clock = runtime.database, runtime.clock

    meetings_db = MeetingsRepository(database)
    registrations_db = RegistrationsRepository(database)
    invitations_db = InvitationsRepository(database)
    campaigns_db = CampaignsRepository(database)
    outcomes_db = OutcomesRepository(database)
    people_db = PeopleRepository(database)
    parts = (registrations_db, invitations_db, outcomes_db)  # visible where their meeting is
    repositories = (meetings_db, people_db, *parts)

    async def ensure_indexes(_: Database) -> None:
        for repository in repositories:
            await repository.ensure_indexes()
        districts = await meetings_db.districts_of()
        for part in parts:
            await part.fill_in_districts(districts)

    runtime.indexes(ensure_indexes)

    links = PersonalLinks(settings.public_base_url, settings.link_secret)
    directory = Directory(
        people_db, OrganisationsRepository(database), SegmentsRepository(database),
        StoredAnswers(database),
    )  # fmt: skip
    campaigns = Campaigns(database, directory, invitations_db, campaigns_db, links, clock)
    meetings = MeetingsService(database, meetings_db, campaigns, settings.districts, clock)
    invitations = InvitationsService(
        database, meetings, campaigns, directory, invitations_db, links, clock
    )
    rosters = Rosters(meetings, invitations, registrations_db, clock)
    registrations = RegistrationsService(
        database, meetings, directory, rosters, registrations_db, clock
    )
    changes = MeetingChanges(database, meetings, rosters, parts)
    answers = Answers(database, meetings, rosters, invitations_db, links, clock)
    day = DayService(database, meetings, rosters, directory, settings.districts, clock)
    outcomes = OutcomesService(
        database, meetings, rosters, invitations, directory, outcomes_db, clock
    )
    copies = Copies(directory, rosters, invitations, outcomes)

    runtime.handle(topics.CONTACTS, contacts_handlers(directory, copies))
    runtime.every(
        "move-up-offers",
        offer_expiry(registrations),
        every_s=settings.offer_check_interval_s,
        leased=True,
    )
    app = build_app(
        title="AiQ Veranstaltungen (events)",
        description="Meetings (Netzwerktreffen), invitations with personal RSVP links, topic "
        "tables, registrations and waitlist, check-in, outcomes and reports. "
        "Changes are published on `aiq.events` and `aiq.registrations`; people are known from "
        "`aiq.contacts`.",
        runtime=runtime,
        routers=[
            meeting_routes.router,
            invitation_routes.router,
            registration_routes.router,
            day_routes.router,
            outcome_routes.router,
            rsvp_pages.router,
            desk_pages.router,
            rendering.router,
        ],
    )
    app.add_exception_handler(InvalidLink, rsvp_pages.link_problem)  # a German page, never JSON
    app.state.meetings = meetings
    app.state.meeting_changes = changes
    app.state.invitations = invitations
    app.state.answers = answers
    app.state.registrations = registrations
    app.state.day = day
    app.state.outcomes = outcomes
    app.state.directory = directory
    app.state.links = links
    return app
