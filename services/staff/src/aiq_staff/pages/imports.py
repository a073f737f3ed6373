"""The import wizard: upload a CSV or XLSX file, read the dry run's report row by row, then
import it and watch the progress (htmx polls the job; without JavaScript, reload)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from aiq_staff.api import ApiProblem
from aiq_staff.problems import form_problems
from aiq_staff.security import check_csrf, session_of
from aiq_staff.web import ApisDep, after_post, is_htmx, needs, render

router = APIRouter(dependencies=[Depends(check_csrf), needs("import")])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STOP_POLLING = 286  # htmx stops polling on this status


def media_type_of(filename: str, given: str | None) -> str | None:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return XLSX
    if name.endswith((".csv", ".txt")):
        return "text/csv"
    return given if given in (XLSX, "text/csv") else None


@router.get("/import")
async def import_start(request: Request, apis: ApisDep):
    return render(request, "import.html", {"step": "upload"})


@router.post("/import")
async def import_dry_run(request: Request, apis: ApisDep):
    form = await request.form()
    upload = form.get("file")
    limit = request.app.state.settings.import_max_bytes
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            "import.html",
            {"step": "upload", "file_error": "Bitte wählen Sie eine Datei aus."},
            status=422,
        )
    media_type = media_type_of(upload.filename, upload.content_type)
    content = await upload.read(limit + 1)
    if media_type is None or len(content) > limit:
        message = (
            "Bitte eine CSV- oder Excel-Datei (.csv, .xlsx)."
            if media_type is None
            else f"Die Datei ist zu groß (höchstens {limit // 1024 // 1024} MB)."
        )
        return render(request, "import.html", {"step": "upload", "file_error": message}, status=422)
    try:
        report = await apis.contacts.imports.start(content, media_type, dry_run=True)
    except ApiProblem as problem:
        context = {
            "step": "upload",
            "file_error": form_problems(problem).general,
            "detail": problem.detail,
        }
        return render(request, "import.html", context, status=422)
    # the service keeps the dry run's file: only its job is remembered here
    session_of(request).data["import_dry_run"] = (upload.filename, report["id"])
    context = {"step": "report", "report": report, "filename": upload.filename}
    return render(request, "import.html", context)


@router.post("/import/ausfuehren")
async def import_run(request: Request, apis: ApisDep):
    held = session_of(request).data.pop("import_dry_run", None)
    if held is None:
        return after_post("/import", "Bitte laden Sie die Datei noch einmal hoch.", request)
    _, dry_run_id = held
    try:
        job = await apis.contacts.imports.run(dry_run_id)
    except ApiProblem as problem:
        if problem.status != 409:
            raise
        message = "Die Probe ist abgelaufen. Bitte laden Sie die Datei noch einmal hoch."
        return after_post("/import", message, request)
    return after_post(f"/import/{job['id']}")


@router.get("/import/{job_id}")
async def import_progress(request: Request, job_id: str, apis: ApisDep) -> Response:
    job = await apis.contacts.imports.job(job_id)
    finished = job["status"] in ("done", "failed")
    response = render(request, "import.html", {"step": "progress", "job": job}, block="progress")
    if finished and is_htmx(request):
        response.status_code = STOP_POLLING
    return response
