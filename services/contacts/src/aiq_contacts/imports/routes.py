"""HTTP routes of imports: the file in, the job's progress and report out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from aiq_contacts.imports.schemas import ImportJob
from aiq_contacts.imports.service import ImportService
from aiq_contacts.roles import COORDINATORS
from aiq_shared.errors import Unprocessable
from aiq_shared.spreadsheets import XLSX_MEDIA_TYPE

router = APIRouter(tags=["import"])
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


async def _imports(request: Request) -> ImportService:
    return request.app.state.imports


Imports = Annotated[ImportService, Depends(_imports)]


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import organisations and people from CSV or XLSX",
    description="The body is the file itself (`text/csv` or the XLSX media type). With "
    "`dry_run=true` nothing is written and the finished report comes back at once (its file "
    "is kept until `runnable_until`: POST /imports/{id}/run imports it); otherwise the import "
    "runs as a job (202): follow it with GET /imports/{id}. Coordinators and admins.",
    responses={200: {"description": "The finished report of a dry run"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
    dependencies=[COORDINATORS],
)
async def start_import(
    request: Request, response: Response, imports: Imports, dry_run: bool = False
) -> ImportJob:
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        raise Unprocessable(f"at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB per import")
    if not data.strip():
        raise Unprocessable("the file is empty")
    job = await imports.start(data, request.headers.get("content-type"), dry_run)
    if dry_run:
        response.status_code = status.HTTP_200_OK  # the report is finished already
    return job


@router.get(
    "/imports/{job_id}", summary="An import's progress and report", dependencies=[COORDINATORS]
)
async def get_import(job_id: str, imports: Imports) -> ImportJob:
    return await imports.get(job_id)


@router.post(
    "/imports/{job_id}/run",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import a finished dry run's file, without uploading it again",
    description="Once per dry run, while its file is kept (`runnable_until`; 409 after that "
    "or the second time, 422 for an import that was not a dry run). The answer is the new "
    "import job (`from_dry_run` names the dry run): follow it with GET /imports/{id}.",
    dependencies=[COORDINATORS],
)
async def run_dry_run(job_id: str, imports: Imports) -> ImportJob:
    return await imports.run(job_id)
