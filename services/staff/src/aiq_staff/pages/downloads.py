"""Files from the APIs (exports, the report's CSV, a person's data) passed to the browser."""

from __future__ import annotations

from fastapi.responses import Response

from aiq_staff.api import Download


def passed_on(download: Download, fallback_name: str) -> Response:
    name = download.filename or fallback_name
    return Response(
        download.content,
        media_type=download.media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
