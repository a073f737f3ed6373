"""The one app factory of every service: lifespan, problem details, request context
(trace, request id, the body digest of retry-safe writes), health, readiness, metrics, the
AsyncAPI document, CORS, tracing, and the documentation behind a token where configured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aiq_shared import asyncapi, audit_log, tracing
from aiq_shared.auth import authenticate, is_public, public
from aiq_shared.envelope import TRACEPARENT
from aiq_shared.logging import configure_logging
from aiq_shared.problems import document_problems, install_problem_handlers
from aiq_shared.request_context import RequestContext
from aiq_shared.routes import operations
from aiq_shared.runtime import ServiceRuntime, is_ready

log = structlog.get_logger(__name__)


def public_operations(routes: Iterable[object]) -> set[tuple[str, str]]:
    """(path, method) of every open route, as the OpenAPI document names them."""
    return {
        (operation.path, method.lower())
        for operation in operations(routes)
        if is_public(operation.route)
        for method in operation.methods
    }


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

    app.add_middleware(RequestContext, settings=settings)

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
