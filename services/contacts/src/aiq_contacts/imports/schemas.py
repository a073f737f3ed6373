"""Response models of an import: the job with its progress and its report."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


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
    started_by: str | None = Field(default=None, description="Who started it (token sub)")
    started_by_name: str | None = None
    runnable_until: AwareDatetime | None = Field(
        default=None,
        description="A finished dry run: until then POST /imports/{id}/run imports its file "
        "without uploading it again",
    )
    run_as: str | None = Field(default=None, description="A dry run run: the import's id")
    from_dry_run: str | None = Field(default=None, description="The dry run it was run from")
