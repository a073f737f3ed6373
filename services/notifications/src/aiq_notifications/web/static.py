"""The static files of the pages (a script and style sheets, shipped with the service in
``static/``), so the pages need no inline script or style. Open without a token: they hold
no data, and a page may load them before its sign-in cookie is set."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from aiq_shared.auth import public

MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
StaticFile = Literal["dashboard.js", "dashboard.css", "page.css"]
_FOLDER = files("aiq_notifications.web") / "static"

router = APIRouter(include_in_schema=False)


def static_url(request: Request, name: StaticFile) -> str:
    """Where a page finds a static file (behind a path prefix too)."""
    return f"{request.scope.get('root_path', '')}/static/{name}"


@router.get("/static/{name}", summary="A script or style sheet of the pages")
@public
async def static_file(name: Annotated[StaticFile, Path()]) -> Response:
    content = (_FOLDER / name).read_bytes()
    media_type = MEDIA_TYPES[name[name.rindex(".") :]]
    return Response(content, media_type=media_type, headers={"Cache-Control": "max-age=3600"})
