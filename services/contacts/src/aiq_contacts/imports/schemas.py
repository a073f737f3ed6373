"""Response models of an import: the job with its progress and its report."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict


class RowError(BaseModel):
    row: int
    errors: list[str]


class ImportJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    dry_run: bool
    status: Literal["queued", "running", "done", "failed"] = "queued"
    total_rows: int = 0
    processed_rows: int = 0
    valid_rows: int = 0
    created_organisations: int = 0
    reused_organisations: int = 0
    created_people: int = 0
    errors: list[RowError] = []
    failure: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
