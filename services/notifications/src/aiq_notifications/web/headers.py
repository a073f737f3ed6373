"""Security headers on every answer of the service (issue 11).

HTML pages get a Content-Security-Policy that allows scripts, styles and connections from
this service only: no inline script, no inline style, no inline event handler (the
dashboard's script and every page's styles are static files, ``static.py``), no framing
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), forms only to this service; and
``Cache-Control: no-store`` (pages hold personal data or a personal link). Every answer gets
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (the unsubscribe and
consent pages carry their token in the address, and no page needs to tell another site where
it came from); other answers a CSP that allows nothing. The API documentation (Swagger UI,
ReDoc, from a CDN with inline script) is left without a CSP: production closes it
(``DOCS_PUBLIC=false``).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"
EVERY_ANSWER = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
DOCUMENTATION = ("/docs", "/redoc")


def headers_for(path: str, content_type: str) -> dict[str, str]:
    """The security headers of an answer to ``path`` of ``content_type``."""
    headers = dict(EVERY_ANSWER)
    if path.startswith(DOCUMENTATION):
        return headers
    if content_type.startswith("text/html"):
        headers["content-security-policy"] = PAGE_POLICY
        headers["cache-control"] = "no-store"
    else:
        headers["content-security-policy"] = NOTHING_POLICY
    return headers


class SecurityHeaders:
    """ASGI middleware: :func:`headers_for` on every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in headers_for(
                    scope["path"], headers.get("content-type", "")
                ).items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
