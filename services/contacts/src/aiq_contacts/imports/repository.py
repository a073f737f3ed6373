"""Import jobs and the rows of the queued ones (PyMongo only here and in the other
repositories). A queued job's rows wait in the database until a worker runs the job, so a
restart loses no queued import; they are deleted once the job has run. A finished dry run's
rows are kept until they expire (``expires_at``: deleted by the import worker, and by a TTL
index where the server has one), so the dry run can be run for real."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel
from pymongo import IndexModel, ReturnDocument

from aiq_contacts.imports.schemas import ImportJob
from aiq_shared.repository import Repository, Session

ROWS_PER_CHUNK = 500


class ImportJobRepository(Repository[ImportJob]):
    collection_name = "import_jobs"
    model = ImportJob

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("status")]

    async def claim_next(self, now: datetime) -> ImportJob | None:
        """The oldest queued job, now running here (no other worker gets it)."""
        document = await self.collection.find_one_and_update(
            {"status": "queued"},
            {"$set": {"status": "running", "updated_at": now}},
            sort=[("_id", 1)],
            return_document=ReturnDocument.AFTER,
        )
        return self.from_document(document)

    async def running_since(self, before: datetime) -> list[ImportJob]:
        """Running jobs silent since before ``before``."""
        return await self.find({"status": "running", "updated_at": {"$lt": before}})


class RowChunk(BaseModel):
    id: str
    job_id: str
    chunk: int
    rows: list[dict[str, str]]
    expires_at: datetime | None = None  # a dry run's: kept until then


class ImportRowRepository(Repository[RowChunk]):
    collection_name = "import_rows"
    model = RowChunk

    def indexes(self) -> Sequence[IndexModel]:
        return [
            IndexModel([("job_id", 1), ("chunk", 1)]),
            IndexModel("expires_at", expireAfterSeconds=0, name="dry_runs_expire"),
        ]

    async def keep(
        self,
        job_id: str,
        rows: list[dict[str, str]],
        session: Session,
        expires_at: datetime | None = None,
    ) -> None:
        chunks = [
            RowChunk(
                id=f"{job_id}:{n}",
                job_id=job_id,
                chunk=n,
                rows=rows[start : start + ROWS_PER_CHUNK],
                expires_at=expires_at,
            )
            for n, start in enumerate(range(0, len(rows), ROWS_PER_CHUNK))
        ]
        await self.add_many(chunks, session)

    async def rows_of(self, job_id: str, session: Session = None) -> list[dict[str, str]]:
        chunks = await self.find({"job_id": job_id}, session, sort=[("chunk", 1)])
        return [row for chunk in chunks for row in chunk.rows]

    async def kept(self, job_id: str, now: datetime, session: Session) -> bool:
        """Whether a dry run's rows are still kept (not expired)."""
        query = {"job_id": job_id, "expires_at": {"$gt": now}}
        return await self.count(query, session) > 0

    async def forget(self, job_id: str, session: Session = None) -> None:
        await self.collection.delete_many({"job_id": job_id}, session=session)

    async def forget_expired(self, now: datetime) -> None:
        """Dry runs' rows past their time are deleted (personal data). (``$ne: None``: the
        embedded server reads null as earlier than any time.)"""
        await self.collection.delete_many({"expires_at": {"$ne": None, "$lte": now}})
