"""Import's use cases: organisations and people from a table (CSV or XLSX).

A dry run runs at once inside transactions that are rolled back, so it checks every rule a
real import checks and writes nothing. A real import is queued in the database (the job and
its rows) and run by a worker (``imports.workers``), one transaction per row, so good rows are
written (with their events) and broken ones are reported.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError

from aiq_contacts.fields import as_stored
from aiq_contacts.imports import rules
from aiq_contacts.imports.repository import ImportJobRepository, ImportRowRepository
from aiq_contacts.imports.rules import FileSeen, ImportRow
from aiq_contacts.imports.schemas import ImportJob, RowError
from aiq_contacts.imports.uploads import read_table
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people.service import PersonService
from aiq_shared.clock import Clock
from aiq_shared.errors import DomainError, NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id

log = structlog.get_logger(__name__)

PROGRESS_EVERY = 25


class _RollBack(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a dry run's transaction so that nothing it wrote stays."""

    def __init__(self, result: Any) -> None:
        self.result = result


class ImportService:
    def __init__(
        self,
        database: Database,
        jobs: ImportJobRepository,
        rows: ImportRowRepository,
        organisations: OrganisationService,
        people: PersonService,
        clock: Clock,
    ) -> None:
        self._database = database
        self._jobs = jobs
        self._rows = rows
        self._organisations = organisations
        self._people = people
        self._clock = clock
        self.queued = asyncio.Event()  # set when a job is queued: wakes the worker

    async def start(self, data: bytes, content_type: str | None, dry_run: bool) -> ImportJob:
        rows = read_table(data, content_type, rules.COLUMNS)
        job = ImportJob(id=new_id(), dry_run=dry_run, total_rows=len(rows), created_at=self._now())
        if dry_run:
            await self._database.retrying(lambda: self._jobs.add(job, None))
            return await self._run(job, rows)

        async def queue(tx: Tx) -> ImportJob:
            await self._jobs.add(job, tx.session)
            await self._rows.keep(job.id, rows, tx.session)
            tx.after_commit(self.queued.set)
            return job

        return await self._database.transaction(queue)

    async def get(self, job_id: str) -> ImportJob:
        job = await self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no import {job_id}")
        return rules.as_seen(job, self._now())

    async def run_next(self) -> bool:
        """Run the oldest queued job, if there is one (True: there may be more)."""
        job = await self._database.retrying(lambda: self._jobs.claim_next(self._now()))
        if job is None:
            return False
        await self._run(job, await self._rows.rows_of(job.id))
        await self._database.retrying(lambda: self._rows.forget(job.id))
        return True

    async def fail_stalled(self) -> None:
        """Jobs whose service stopped while running them have failed: so they are kept, and
        their rows (personal data) are deleted."""
        now = self._now()
        for job in await self._jobs.running_since(now - rules.STALE_AFTER):
            stalled = rules.as_seen(job, now)
            await self._database.retrying(lambda stalled=stalled: self._jobs.save(stalled, None))
            await self._database.retrying(lambda job=job: self._rows.forget(job.id))

    async def _save(self, job: ImportJob) -> None:
        """Progress, and a sign of life."""
        job.updated_at = self._now()
        await self._database.retrying(lambda: self._jobs.save(job, None))

    async def _run(self, job: ImportJob, rows: list[dict[str, str]]) -> ImportJob:
        job.status = "running"
        await self._save(job)
        seen = FileSeen()
        try:
            for index, raw in enumerate(rows):
                number = index + 2  # the header is row 1
                parsed = rules.parse_row(number, raw, self._organisations.reference)
                checked = parsed if isinstance(parsed, RowError) else seen.check(parsed)
                if isinstance(checked, RowError):
                    job.errors.append(checked)
                else:
                    await self._import_row(job, parsed, checked)  # type: ignore[arg-type]
                job.processed_rows = index + 1
                if job.processed_rows % PROGRESS_EVERY == 0:
                    await self._save(job)
            job.status = "done"
        except Exception as error:  # reported on the job, never lost silently
            log.exception("import.failed", job_id=job.id)
            job.status = "failed"
            job.failure = f"{type(error).__name__}: the import stopped; rows before it are in"
        job.finished_at = self._now()
        await self._save(job)
        return job

    async def _import_row(self, job: ImportJob, row: ImportRow, seen_before: bool) -> None:
        async def work(tx: Tx) -> tuple[int, int, int]:
            created = reused = people = 0
            organisation = None
            if row.organisation is not None:
                organisation = await self._organisations.found_again(row.organisation, tx)
                if organisation is None:
                    organisation = await self._organisations.add(row.organisation, tx)
                    created, reused = (0, 1) if job.dry_run and seen_before else (1, 0)
                else:
                    reused = 1
            if row.person is not None:
                await self._people.add(row.person, tx, "import", organisation)
                people = 1
            if job.dry_run:
                raise _RollBack((created, reused, people))
            return created, reused, people

        try:
            created, reused, people = await self._database.transaction(work)
        except _RollBack as rolled_back:
            created, reused, people = rolled_back.result
        except (DomainError, ValidationError) as error:
            job.errors.append(RowError(row=row.number, errors=[rules.row_problem(error)]))
            return
        job.valid_rows += 1
        job.created_organisations += created
        job.reused_organisations += reused
        job.created_people += people

    def _now(self) -> datetime:
        return as_stored(self._clock.now())
