"""Import's use cases: organisations and people from a table (CSV or XLSX).

A dry run runs at once inside transactions that are rolled back, so it checks every rule a
real import checks and writes nothing. A real import is queued in the database (the job and
its rows) and run by a worker (``imports.workers``), one transaction per row, so good rows are
written (with their events and audit entries, in the name of who started the import) and
broken ones are reported. A finished dry run keeps its rows for a while
(``import_dry_run_keep_minutes``): ``run`` queues them as an import, once, without a second
upload. Imports are the coordinators' and admins' (every district).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
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
from aiq_shared.envelope import Actor, current_actor
from aiq_shared.errors import Conflict, DomainError, NotFound, Unprocessable
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import EVERYTHING

log = structlog.get_logger(__name__)

PROGRESS_EVERY = 25
RESOURCE = "import"


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
        dry_runs_kept: timedelta = timedelta(hours=1),
    ) -> None:
        self._database = database
        self._dry_runs_kept = dry_runs_kept
        self._jobs = jobs
        self._rows = rows
        self._organisations = organisations
        self._people = people
        self._clock = clock
        self.queued = asyncio.Event()  # set when a job is queued: wakes the worker

    async def start(self, data: bytes, content_type: str | None, dry_run: bool) -> ImportJob:
        rows = read_table(data, content_type, rules.COLUMNS)
        job = self._new_job(dry_run, len(rows))
        if not dry_run:
            return await self._database.transaction(lambda tx: self._queue(job, rows, tx))
        job.runnable_until = self._now() + self._dry_runs_kept

        async def keep(tx: Tx) -> None:
            await self._jobs.add(job, tx.session)
            await self._rows.keep(job.id, rows, tx.session, expires_at=job.runnable_until)
            tx.audit(RESOURCE, job.id, "dry_run", ["total_rows"])

        await self._database.transaction(keep)
        job = await self._run(job, rows)
        if job.status != "done":  # nothing to run for real: its rows are not kept
            job.runnable_until = None
            await self._save(job)
            await self._database.retrying(lambda: self._rows.forget(job.id))
        return job

    async def run(self, dry_run_id: str) -> ImportJob:
        """A finished dry run's file, queued as an import (once, while it is kept)."""

        async def work(tx: Tx) -> ImportJob:
            dry = await self._jobs.get(dry_run_id, tx.session)
            if dry is None:
                raise NotFound(f"no import {dry_run_id}")
            if not dry.dry_run:
                raise Unprocessable("only a dry run can be run: this import ran already")
            if dry.run_as is not None:
                raise Conflict("this dry run was run already", import_id=dry.run_as)
            now = self._now()
            if dry.status != "done" or not await self._rows.kept(dry.id, now, tx.session):
                raise Conflict(
                    "this dry run's file is no longer kept (or the dry run did not finish): "
                    "upload it again"
                )
            rows = await self._rows.rows_of(dry.id, tx.session)
            job = self._new_job(False, len(rows)).model_copy(update={"from_dry_run": dry.id})
            await self._rows.forget(dry.id, tx.session)
            ran = dry.model_copy(update={"run_as": job.id, "runnable_until": None})
            await self._jobs.save(ran, tx.session)
            tx.audit(RESOURCE, dry.id, "run", ["run_as", "runnable_until"])
            return await self._queue(job, rows, tx)

        return await self._database.transaction(work)

    def _new_job(self, dry_run: bool, total_rows: int) -> ImportJob:
        actor = current_actor.get()
        return ImportJob(
            id=new_id(),
            dry_run=dry_run,
            total_rows=total_rows,
            created_at=self._now(),
            started_by=actor.subject if actor else None,
            started_by_name=actor.name if actor else None,
        )

    async def _queue(self, job: ImportJob, rows: list[dict[str, str]], tx: Tx) -> ImportJob:
        await self._jobs.add(job, tx.session)
        await self._rows.keep(job.id, rows, tx.session)
        tx.audit(RESOURCE, job.id, "queued", ["total_rows"])
        tx.after_commit(self.queued.set)
        return job

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
        # the rows are written (and audited, and their events sent) in the name of whoever
        # started the import
        who = Actor(subject=job.started_by, name=job.started_by_name) if job.started_by else None
        acting = current_actor.set(who)
        try:
            await self._run(job, await self._rows.rows_of(job.id))
        finally:
            current_actor.reset(acting)
        await self._database.retrying(lambda: self._rows.forget(job.id))
        return True

    async def fail_stalled(self) -> None:
        """Jobs whose service stopped while running them have failed: so they are kept, and
        their rows (personal data) are deleted; so are dry runs' rows past their time."""
        now = self._now()
        await self._database.retrying(lambda: self._rows.forget_expired(now))
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
                await self._people.add(row.person, tx, EVERYTHING, "import", organisation)
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
