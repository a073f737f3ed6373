"""The one app factory of every service: lifespan, problem details, request context
(trace, request id, the body digest of retry-safe writes), health, readiness, metrics, the
AsyncAPI document, CORS, tracing, and the documentation behind a token where configured."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aiq_shared import asyncapi, audit_log, idempotency, metrics, tracing
from aiq_shared.audit import current_request_id, trace_id_of
from aiq_shared.auth import authenticate, is_public, keep_signed_in, public, token_of, verify
from aiq_shared.envelope import TRACEPARENT, current_traceparent, new_traceparent
from aiq_shared.errors import Unauthenticated
from aiq_shared.logging import configure_logging
from aiq_shared.problems import document_problems, install_problem_handlers, problem
from aiq_shared.routes import operations
from aiq_shared.runtime import ServiceRuntime, is_ready
from aiq_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)


def public_operations(routes: Iterable[object]) -> set[tuple[str, str]]:
    """(path, method) of every open route, as the OpenAPI document names them."""
    return {
        (operation.path, method.lower())
        for operation in operations(routes)
        if is_public(operation.route)
        for method in operation.methods
    }


DOCUMENTATION = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def _closed_documentation(request: Request, settings: ServiceSettings) -> Response | None:
    """The API documentation needs a token when ``docs_public`` is off (production)."""
    if settings.docs_public or request.url.path not in DOCUMENTATION:
        return None
    token = token_of(request)
    try:
        if token is None:
            raise Unauthenticated("the API documentation needs a token here")
        verify(token, settings)
    except Unauthenticated as error:
        return problem(error.status, error.title, error.detail, headers=error.headers)
    return None


def build_app(
    *,
    title: str,
    description: str,
    runtime: ServiceRuntime,
    routers: Iterable[APIRouter],
    on_startup: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """The one app factory: lifespan, problem details, health, readiness, metrics, tracing."""
    settings = runtime.settings
    configure_logging(settings.log_level, settings.log_json)
    tracing.configure(settings.service_name, settings.otlp_endpoint, settings.tracing)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if on_startup is not None:
            await on_startup()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(authenticate)],  # every route but the open ones (auth.py)
    )
    app.state.runtime = runtime
    install_problem_handlers(app)

    @app.middleware("http")
    async def request_context(request: Request, call_next):  # type: ignore[no-untyped-def]
        """Trace, request id and (for retry-safe writes) the body's digest, for the request;
        the documentation and metrics behind a token where the settings say so."""
        trace = (
            tracing.current_traceparent_of_span()  # the server span, when tracing is on
            or request.headers.get(TRACEPARENT)
            or new_traceparent()
        )
        request_id = (request.headers.get("x-request-id") or "")[:100] or uuid.uuid4().hex
        digest = None
        if request.headers.get("idempotency-key"):
            digest = idempotency.digest(request.method, request.url.path, await request.body())
        tokens = (
            current_traceparent.set(trace),
            current_request_id.set(request_id),
            idempotency.current_request_digest.set(digest),
        )
        structlog.contextvars.bind_contextvars(
            traceparent=trace, trace_id=trace_id_of(trace), request_id=request_id
        )
        try:
            refused = _closed_documentation(request, settings)
            started = time.perf_counter()
            response: Response = refused or await call_next(request)
            route = getattr(request.scope.get("route"), "path", "unmatched")
            metrics.HTTP_REQUEST_SECONDS.labels(
                request.method, route, str(response.status_code)
            ).observe(time.perf_counter() - started)
        finally:
            for var, token in zip(
                (current_traceparent, current_request_id, idempotency.current_request_digest),
                tokens,
                strict=True,
            ):
                var.reset(token)  # type: ignore[attr-defined]
            structlog.contextvars.unbind_contextvars("traceparent", "trace_id", "request_id")
        response.headers[TRACEPARENT] = trace
        response.headers["X-Request-ID"] = request_id
        keep_signed_in(request, response)
        return response

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", TRACEPARENT],
        )

    @app.get("/health", tags=["operations"], summary="Liveness: the process answers")
    @public
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Readiness: MongoDB and Kafka are there",
        responses={503: {"description": "Not ready yet (same body, status starting)"}},
    )
    @public
    async def ready() -> JSONResponse:
        checks = await runtime.readiness()
        ok = is_ready(checks)
        return JSONResponse(
            {
                "status": "ready" if ok else "starting",
                "service": settings.service_name,
                "checks": checks,
            },
            status_code=200 if ok else 503,
        )

    for router in (*routers, audit_log.router):
        app.include_router(router)

    async def asyncapi_document() -> JSONResponse:
        """Every topic and event (AsyncAPI 3.0), with what this service sends and receives."""
        receives = {
            topic: sorted(handlers) for topic, (_, handlers) in runtime._consumer_specs.items()
        }
        return JSONResponse(
            asyncapi.document(
                title,
                service=settings.service_name,
                sends=asyncapi.SENDS.get(settings.service_name, ()),
                receives=receives,
            )
        )

    app.add_api_route(
        "/asyncapi.json",
        public(asyncapi_document) if settings.docs_public else asyncapi_document,
        methods=["GET"],
        include_in_schema=False,
    )

    async def prometheus_metrics() -> Response:
        """Prometheus metrics at ``/metrics`` itself (no redirect to ``/metrics/``)."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(
        "/metrics",
        public(prometheus_metrics) if settings.metrics_public else prometheus_metrics,
        methods=["GET"],
        include_in_schema=False,
    )

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                ),
                public=public_operations(app.routes),
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    tracing.instrument_app(app)
    return app
