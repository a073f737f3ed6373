"""The context every HTTP request is handled in: its trace, its request id and, for a
retry-safe write (``Idempotency-Key``), its body's digest; the documentation behind a token
where the settings say so; the request's latency metric; the answer's ``traceparent`` and
``X-Request-ID`` headers, and the sign-in cookie after a ``?token=`` link.

A plain ASGI middleware, not Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``): that
one runs the rest of the app in a task of its own and streams the answer through memory
channels, which cost a fifth of a dashboard read's time in the service.
"""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aiq_shared import idempotency, metrics, tracing
from aiq_shared.audit import current_request_id, trace_id_of
from aiq_shared.auth import keep_signed_in, token_of, verify
from aiq_shared.envelope import TRACEPARENT, current_traceparent, new_traceparent
from aiq_shared.errors import Unauthenticated
from aiq_shared.problems import problem
from aiq_shared.settings import ServiceSettings

DOCUMENTATION = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
CONTEXT = (current_traceparent, current_request_id, idempotency.current_request_digest)


class RequestContext:
    def __init__(self, app: ASGIApp, settings: ServiceSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        trace = (
            tracing.current_traceparent_of_span()  # the server span, when tracing is on
            or request.headers.get(TRACEPARENT)
            or new_traceparent()
        )
        request_id = (request.headers.get("x-request-id") or "")[:100] or uuid.uuid4().hex
        digest = None
        if request.headers.get("idempotency-key"):
            body = await _body_of(receive)
            receive = _replaying(body, receive)
            digest = idempotency.digest(scope["method"], scope["path"], body)
        values = (trace, request_id, digest)
        tokens = [var.set(value) for var, value in zip(CONTEXT, values, strict=True)]  # type: ignore[attr-defined]
        structlog.contextvars.bind_contextvars(
            traceparent=trace, trace_id=trace_id_of(trace), request_id=request_id
        )
        status = 500

        async def send_in_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[TRACEPARENT] = trace
                headers["X-Request-ID"] = request_id
                keep_signed_in(request, status, headers)
            await send(message)

        started = time.perf_counter()
        try:
            refused = _closed_documentation(request, self.settings)
            await (refused or self.app)(scope, receive, send_in_context)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.HTTP_REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
            for var, token in zip(CONTEXT, tokens, strict=True):
                var.reset(token)  # type: ignore[attr-defined]
            structlog.contextvars.unbind_contextvars("traceparent", "trace_id", "request_id")


def _closed_documentation(request: Request, settings: ServiceSettings) -> ASGIApp | None:
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


async def _body_of(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body read once more for the app, then the connection's own messages."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
