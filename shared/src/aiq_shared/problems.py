"""Errors as RFC 9457 problem details (``application/problem+json``), mapped in one place:
domain errors, invalid requests, HTTP errors, an unreachable or busy database, and bugs."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from pymongo.errors import ConnectionFailure, OperationFailure, ServerSelectionTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from aiq_shared.errors import DomainError
from aiq_shared.mongo import is_transient

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details; some problems add fields (``known_districts``, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


_DESCRIPTIONS = {
    "400": "The body could not be read",
    "401": "No valid bearer token",
    "403": "The token's role or districts do not allow this",
    "404": "Not found",
    "409": "Conflict with the current state",
    "422": "Invalid request",
    "503": "A backing service is unavailable; try again",
}


def document_problems(schema: dict[str, Any], public: set[tuple[str, str]]) -> dict[str, Any]:
    """Every error response is problem+json: say so in the OpenAPI document, once, here."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema()
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (path, method) in public:
                continue
            responses = operation.setdefault("responses", {})
            codes = {"401", "403", "422", "503"}
            operation.setdefault("security", [{"bearer": []}])
            if "{" in path:
                codes.add("404")
            if method in ("post", "patch", "put", "delete"):
                codes |= {"400", "409"}
            for code in codes | {c for c in responses if c[0] in "45"}:
                described = responses.get(code, {}).get("description")
                responses[code] = {
                    "description": described or _DESCRIPTIONS.get(code, "Error"),
                    "content": content,
                }
    schema["components"].setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "role (admin, coordinator, officer) and districts in the claims",
    }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# What a person sees whose browser opens a page (a personal link, a dashboard) while the
# database is away: German, plain, no internals; an API client gets problem+json.
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gerade nicht erreichbar</title></head>
<body><main><h1>Gerade nicht erreichbar</h1>
<p>Diese Seite ist im Moment nicht erreichbar. Bitte versuchen Sie es in ein paar Minuten noch
einmal. Es ist nichts verloren gegangen.</p></main></body></html>
"""


def _wants_a_page(request: Request) -> bool:
    """A browser opening a page asks for HTML first; API clients ask for JSON or anything."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split(",")[0]


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route offers for this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    routes = list(request.app.routes)
    while routes:
        route = routes.pop()
        included = getattr(route, "original_router", None)  # FastAPI's included router
        nested = getattr(included or route, "routes", None)
        if nested is not None and not hasattr(route, "methods"):
            routes.extend(nested)
            continue
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        return problem(
            error.status, error.title, error.detail, headers=error.headers, **error.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in error.errors()
        ]
        return problem(
            422, "Invalid request", "The request does not match the schema.", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem(error.status_code, str(error.detail), headers=headers)

    @app.exception_handler(ConnectionFailure)
    @app.exception_handler(ServerSelectionTimeoutError)
    async def _database_down(request: Request, error: Exception) -> Response:
        log.warning("database.unavailable", error=repr(error))
        if _wants_a_page(request):
            return HTMLResponse(UNAVAILABLE_PAGE, status_code=503, headers={"Retry-After": "5"})
        return problem(
            503,
            "Service unavailable",
            "The database is not reachable; try again.",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OperationFailure)
    async def _database_busy(request: Request, error: OperationFailure) -> JSONResponse:
        if not is_transient(error):
            return await _unexpected(request, error)  # a bug: logged and shown as one
        log.warning("database.busy", error=repr(error))
        return problem(
            503,
            "Service busy",
            "The write kept conflicting with others; nothing was written, try again.",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        """A bug: logged with its traceback, answered as problem+json (never text/plain)."""
        log.exception("request.failed", path=request.url.path, error=repr(error))
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; nothing is known to be lost. Please try again "
            "or tell the programme's IT.",
        )
