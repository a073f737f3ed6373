"""Import and export of organisations and people as tables (CSV, XLSX): the use cases.

An import is a job: a dry run runs at once inside transactions that are rolled back, so it
checks every rule a real import checks and writes nothing; a real import runs in the
background, one transaction per row, so good rows are written (with their events) and broken
ones are reported. Row parsing is in ``imports``, table formats in ``tables``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from pydantic import ValidationError

from aiq_contacts import domain, imports, listing, names, tables
from aiq_contacts.domain import Organisation, OrganisationCreate, Person
from aiq_contacts.imports import ImportJob, ImportRow, RowError
from aiq_contacts.listing import ListQuery
from aiq_contacts.repository import ContactsRepository
from aiq_contacts.service import ContactsService, now
from aiq_contacts.settings import ContactsSettings
from aiq_shared.errors import Conflict, DomainError, NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id

log = structlog.get_logger(__name__)

PROGRESS_EVERY = 25


class _RollBack(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a dry run's transaction so that nothing it wrote stays."""

    def __init__(self, result: Any) -> None:
        self.result = result


class Importer:
    def __init__(
        self, database: Database, contacts: ContactsService, settings: ContactsSettings
    ) -> None:
        self._database = database
        self._repository = ContactsRepository(database)
        self._contacts = contacts
        self._reference = contacts.reference
        self._import_queue: asyncio.Queue[tuple[str, list[dict[str, str]]]] = asyncio.Queue()
        self._queued: set[str] = set()  # ids of jobs in the queue

    async def start(self, data: bytes, content_type: str | None, dry_run: bool) -> ImportJob:
        rows = tables.read_table(data, content_type, imports.COLUMNS)
        job = ImportJob(id=new_id(), dry_run=dry_run, total_rows=len(rows), created_at=now())
        await self._database.retrying(lambda: self._repository.import_jobs.add(job))
        if dry_run:
            return await self._run_import(job, rows)
        self._queued.add(job.id)
        await self._import_queue.put((job.id, rows))
        return job

    async def get(self, job_id: str) -> ImportJob:
        job = await self._repository.import_jobs.get(job_id)
        if job is None:
            raise NotFound(f"no import {job_id}")
        return imports.as_seen(job, now())

    async def worker(self) -> None:
        """Runs queued imports one after another (a background worker of the runtime)."""
        while True:
            job_id, rows = await self._import_queue.get()
            self._queued.discard(job_id)
            job = await self._repository.import_jobs.get(job_id)
            if job is not None:
                await self._run_import(job, rows)

    async def _save_job(self, job: ImportJob) -> None:
        """Progress, and a sign of life for this job and those waiting behind it."""
        job.updated_at = now()
        await self._database.retrying(lambda: self._repository.import_jobs.replace(job))
        if self._queued:
            await self._database.retrying(
                lambda: self._repository.import_jobs.collection.update_many(
                    {"_id": {"$in": list(self._queued)}}, {"$set": {"updated_at": job.updated_at}}
                )
            )

    async def _run_import(self, job: ImportJob, rows: list[dict[str, str]]) -> ImportJob:
        job.status = "running"
        await self._save_job(job)
        seen_organisations: set[tuple[str, str | None]] = set()
        seen_emails: set[str] = set()
        try:
            for index, raw in enumerate(rows):
                number = index + 2  # the header is row 1
                parsed = imports.parse_row(number, raw, self._reference)
                if isinstance(parsed, RowError):
                    job.errors.append(parsed)
                else:
                    seen = self._seen_in_file(job, parsed, seen_organisations, seen_emails)
                    if seen is not None:
                        await self._import_row(job, parsed, seen)
                job.processed_rows = index + 1
                if job.processed_rows % PROGRESS_EVERY == 0:
                    await self._save_job(job)
            job.status = "done"
        except Exception as error:  # reported on the job, never lost silently
            log.exception("import.failed", job_id=job.id)
            job.status = "failed"
            job.failure = f"{type(error).__name__}: the import stopped; rows before it are in"
        finally:
            job.finished_at = now()
            await self._save_job(job)
        return job

    def _seen_in_file(
        self,
        job: ImportJob,
        row: ImportRow,
        organisations: set[tuple[str, str | None]],
        emails: set[str],
    ) -> bool | None:
        """What only the whole file shows: the same email twice (the row is refused: None),
        and whether the row's organisation came in an earlier row (a dry run has not written
        that one)."""
        if row.person is not None:
            for address in [row.person.email, *row.person.other_emails]:
                if address and address in emails:
                    job.errors.append(
                        RowError(row=row.number, errors=["the email appears in an earlier row"])
                    )
                    return None
                if address:
                    emails.add(address)
        if row.organisation is None:
            return False
        postcode = row.organisation.address.postcode if row.organisation.address else None
        key = (names.duplicate_key(row.organisation.name), postcode)
        seen = key in organisations
        organisations.add(key)
        return seen

    async def _import_row(self, job: ImportJob, row: ImportRow, seen_before: bool) -> None:
        async def work(tx: Tx) -> tuple[int, int, int]:
            created = reused = people = 0
            organisation = None
            if row.organisation is not None:
                organisation = await self._existing_organisation(row.organisation, tx)
                if organisation is None:
                    organisation = await self._contacts.add_organisation(row.organisation, tx)
                    created, reused = (0, 1) if job.dry_run and seen_before else (1, 0)
                else:
                    reused = 1
            if row.person is not None:
                await self._contacts.add_person(row.person, tx, "import", organisation)
                people = 1
            if job.dry_run:
                raise _RollBack((created, reused, people))
            return created, reused, people

        try:
            created, reused, people = await self._database.transaction(work)
        except _RollBack as rolled_back:
            created, reused, people = rolled_back.result
        except (DomainError, ValidationError) as error:
            job.errors.append(RowError(row=row.number, errors=[_row_problem(error)]))
            return
        job.valid_rows += 1
        job.created_organisations += created
        job.reused_organisations += reused
        job.created_people += people

    async def _existing_organisation(self, data: OrganisationCreate, tx: Tx) -> Organisation | None:
        postcode = data.address.postcode if data.address else None
        for other in await self._repository.organisations_named_like(data.name, tx.session):
            other_postcode = other.address.postcode if other.address else None
            if other.district == data.district and names.looks_like_same_organisation(
                data.name, postcode, other.name, other_postcode
            ):
                return other
        return None

    async def export_organisations(self, query: ListQuery) -> tuple[list[str], list[list[Any]]]:
        selector = listing.organisation_query(query.filter, query.q, query.industry_sections)
        found = await self._repository.organisations.find(
            selector, sort=listing.sort_spec(query.sort), limit=tables.MAX_ROWS
        )
        columns = [c for c in imports.COLUMNS if c in ORGANISATION_COLUMNS]
        return ["id", *columns], [[o.id, *_organisation_row(o)] for o in found]

    async def export_people(self, query: ListQuery) -> tuple[list[str], list[list[Any]]]:
        selector = await self._repository.person_query(query)
        found = await self._repository.people.find(
            selector, sort=listing.sort_spec(query.sort), limit=tables.MAX_ROWS
        )
        organisations = await self._repository.organisations_by_id(
            {m.organisation_id for p in found for m in p.memberships}
        )
        columns = ["id", "organisation_id", *imports.COLUMNS, "memberships"]
        rows = []
        for person in found:
            organisation = organisations.get(person.organisation_id or "")
            org_values = _organisation_row(organisation) if organisation else [None] * 12
            rows.append(
                [
                    person.id,
                    person.organisation_id,
                    *org_values,
                    person.first_name,
                    person.last_name,
                    person.kind,
                    person.email,
                    person.phone,
                    person.role,
                    person.position,
                    person.language,
                    person.tags,
                    "ja" if person.email_consent else "nein",
                    _memberships(person, organisations),
                ]
            )
        return columns, rows


ORGANISATION_COLUMNS = imports.COLUMNS[:12]


def _organisation_row(o: Organisation) -> list[Any]:
    address = o.address or domain.Address()
    return [
        o.name,
        o.kind,
        o.industry,
        o.district,
        address.street,
        address.postcode,
        address.city,
        o.website,
        o.officer,
        o.partner_since.isoformat() if o.partner_since else None,
        o.status,
        o.tags,
    ]


def _memberships(person: Person, organisations: dict[str, Organisation]) -> str:
    """Every organisation the person belongs to, the main one first: ``Name (role, position)``."""
    named = []
    for membership in person.memberships:
        organisation = organisations.get(membership.organisation_id)
        name = organisation.name if organisation else membership.organisation_id
        roles = ", ".join(r for r in (membership.role, membership.position) if r)
        named.append(f"{name} ({roles})" if roles else name)
    return "; ".join(named)


def _row_problem(error: DomainError | ValidationError) -> str:
    if isinstance(error, Conflict):
        return "a person with this email exists already"  # no address kept in the report
    if isinstance(error, ValidationError):
        return "; ".join(str(e["msg"]) for e in error.errors())
    return error.detail
