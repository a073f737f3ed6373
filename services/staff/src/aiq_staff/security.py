"""Security headers on every answer, and the CSRF check on every POST.

The Content-Security-Policy allows scripts and styles from this app only: htmx is a static
file, there is no inline script and no inline event handler (htmx's indicator styles are
turned off by its ``htmx-config`` meta tag, so it injects no ``<style>`` either).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aiq_staff.sessions import Session

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    form_action = " ".join(("'self'", *form_targets))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, issuer: str | None = None) -> None:
        self.app = app
        origin = ""
        if issuer:
            parts = urlsplit(issuer)
            origin = f"{parts.scheme}://{parts.netloc}"
        self.headers = {
            "content-security-policy": content_security_policy((origin,) if origin else ()),
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=()",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if not static:  # pages hold personal data: no shared or back-button caches
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfRefused(Exception):
    """A POST without the session's CSRF token (a stale tab, or another site's form)."""


def session_of(request: Request) -> Session:
    return request.scope["aiq_session"]


async def check_csrf(request: Request) -> None:
    """Route dependency for every POST: the form field ``csrf`` (or the htmx header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not session_of(request).csrf_ok(token):
        raise CsrfRefused()
