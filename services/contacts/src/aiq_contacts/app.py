"""Composition root of the contacts service: settings, runtime, repositories, services,
routers, consumers and workers, in that order."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from aiq_contacts.consent import consumers as consent_consumers
from aiq_contacts.consent import routes as consent_routes
from aiq_contacts.consent.records import ConsentRecords
from aiq_contacts.consent.repository import ConsentRecordRepository, OptInRequestRepository
from aiq_contacts.consent.service import ConsentService
from aiq_contacts.exports import routes as export_routes
from aiq_contacts.exports.service import ExportService
from aiq_contacts.history import consumers as history_consumers
from aiq_contacts.history import routes as history_routes
from aiq_contacts.history.lists import HistoryLists
from aiq_contacts.history.repository import FollowUpRepository, InteractionRepository
from aiq_contacts.history.service import HistoryService
from aiq_contacts.imports import routes as import_routes
from aiq_contacts.imports.repository import ImportJobRepository, ImportRowRepository
from aiq_contacts.imports.service import ImportService
from aiq_contacts.imports.workers import queued_imports
from aiq_contacts.organisations import routes as organisation_routes
from aiq_contacts.organisations.merge import MergeService
from aiq_contacts.organisations.reference import Reference
from aiq_contacts.organisations.repository import OrganisationRepository
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people import routes as people_routes
from aiq_contacts.people.repository import (
    EmailAddressRepository,
    ErasedPeopleRepository,
    PersonRepository,
)
from aiq_contacts.people.service import PersonService
from aiq_contacts.privacy import routes as privacy_routes
from aiq_contacts.privacy.repository import StoredResponseRepository
from aiq_contacts.privacy.service import PrivacyService
from aiq_contacts.segments import routes as segment_routes
from aiq_contacts.segments.repository import SegmentRepository
from aiq_contacts.segments.service import SegmentService
from aiq_contacts.settings import ContactsSettings
from aiq_shared import topics
from aiq_shared.application import build_app
from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.mongo import Database
from aiq_shared.runtime import ServiceRuntime

DESCRIPTION = (
    "Organisations (companies, schools), people, consent (DSGVO), segments and contact "
    "history of Ausbildung im Quartier. Every change is published on the Kafka topic "
    "`aiq.contacts`; consent withdrawn or confirmed through an email's link arrives from "
    "`aiq.notifications`; meeting attendance and outcomes from `aiq.registrations` and "
    "`aiq.events`. See docs/contacts.md."
)
IMPORTS_LOOK_EVERY_S = 5.0  # besides being woken when a job is queued (another replica's too)


def create_app(settings: ContactsSettings | None = None, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ServiceRuntime(settings, clock)
    database = runtime.database

    organisation_records = OrganisationRepository(database)
    people_records = PersonRepository(database)
    addresses = EmailAddressRepository(database)
    erased = ErasedPeopleRepository(database)
    consent_records = ConsentRecordRepository(database)
    opt_in_requests = OptInRequestRepository(database)
    interactions = InteractionRepository(database)
    follow_ups = FollowUpRepository(database)
    segment_records = SegmentRepository(database)
    import_jobs = ImportJobRepository(database)
    import_rows = ImportRowRepository(database)
    repositories = (
        organisation_records,
        people_records,
        addresses,
        erased,
        consent_records,
        opt_in_requests,
        interactions,
        follow_ups,
        segment_records,
        import_jobs,
        import_rows,
    )

    async def ensure_indexes(_database: Database) -> None:
        for repository in repositories:
            await repository.ensure_indexes()
        # records stored before they kept their districts are placed once (people first:
        # history entries only about a person take the person's districts)
        await people.placement.backfill()
        await history.backfill()
        await segments.backfill()

    runtime.indexes(ensure_indexes)

    reference = Reference.from_settings(settings)
    organisations = OrganisationService(database, organisation_records, reference)
    consents = ConsentRecords(
        consent_records, opt_in_requests, clock, settings.consent_text_version
    )
    people = PersonService(
        database, people_records, addresses, erased, organisations, consents, settings.districts
    )
    consent = ConsentService(database, people, consents, opt_in_requests)
    history = HistoryService(database, interactions, follow_ups, organisations, people, clock)
    history_lists = HistoryLists(interactions, follow_ups, organisations, people)
    # an organisation that moves takes its people and its history along; a person visible
    # elsewhere now, the entries only about them
    organisations.when_moved(people.placement.organisation_moved)
    organisations.when_moved(history.organisation_moved)
    people.placement.when_moved(history.person_moved)
    merges = MergeService(database, organisation_records, organisations, people, history)
    segments = SegmentService(database, segment_records, people, clock, settings.districts)
    privacy = PrivacyService(
        database,
        StoredResponseRepository(database),
        organisations,
        people,
        consents,
        history,
        history_lists,
        clock,
    )
    imports = ImportService(
        database,
        import_jobs,
        import_rows,
        organisations,
        people,
        clock,
        timedelta(minutes=settings.import_dry_run_keep_minutes),
    )
    exports = ExportService(organisations, people)

    runtime.handle(topics.NOTIFICATIONS, consent_consumers.notifications_handlers(consent))
    runtime.handle(topics.REGISTRATIONS, history_consumers.registrations_handlers(history))
    # named "meetings" (not after its topic): the consumer group and the dedupe records keep
    # the name they had, so a deployment does not read aiq.events again from the start
    runtime.consume("meetings", topics.EVENTS, history_consumers.meetings_handlers(history))
    runtime.every(
        "imports", queued_imports(imports), every_s=IMPORTS_LOOK_EVERY_S, wake=imports.queued
    )

    app = build_app(
        title="AiQ Kontakte (contacts)",
        description=DESCRIPTION,
        runtime=runtime,
        # exports first: /organisations/export is not an organisation's id
        routers=[
            export_routes.router,
            organisation_routes.router,
            people_routes.router,
            consent_routes.router,
            privacy_routes.router,
            history_routes.router,
            segment_routes.router,
            import_routes.router,
        ],
    )
    app.state.organisations = organisations
    app.state.merges = merges
    app.state.people = people
    app.state.consent = consent
    app.state.privacy = privacy
    app.state.history = history
    app.state.history_lists = history_lists
    app.state.segments = segments
    app.state.imports = imports
    app.state.exports = exports
    return app
