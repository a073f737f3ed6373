"""Server-side sessions: an in-process store keyed by a random id in an HttpOnly cookie.

The cookie holds nothing but the id (``secrets.token_urlsafe``); the signed-in person, their
access token and the CSRF token stay in this process. ``Secure`` is set unless the app is
reached on localhost, ``SameSite=Lax`` keeps other sites' forms from carrying it (and every
POST checks the CSRF token besides). One store per process: several replicas need sticky
sessions or a shared store (docs/staff-app.md).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "aiq_staff_session"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


@dataclass
class User:
    """The signed-in person as the services see them (the token's claims)."""

    username: str
    name: str
    role: str
    districts: list[str] = field(default_factory=list)

    @property
    def sees_all(self) -> bool:
        return self.role in ("admin", "coordinator")


@dataclass
class Session:
    id: str
    created: float
    seen: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user: User | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    expires_at: float | None = None
    # Free-form state: Authlib keeps the OIDC state and PKCE verifier here (scope["session"]),
    # the import wizard its file between the dry run and the import.
    data: dict[str, Any] = field(default_factory=dict)

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf.encode())

    def sign_in(self, user: User, access_token: str, expires_at: float | None, **tokens) -> None:
        self.user, self.access_token, self.expires_at = user, access_token, expires_at
        self.refresh_token = tokens.get("refresh_token")
        self.id_token = tokens.get("id_token")


class SessionStore:
    """Sessions in this process's memory; idle ones end after ``idle_s``, all after ``max_s``."""

    def __init__(self, idle_s: float, max_s: float, clock=time.monotonic) -> None:
        self.idle_s, self.max_s, self.clock = idle_s, max_s, clock
        self._sessions: dict[str, Session] = {}
        self._swept = clock()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self) -> Session:
        self._sweep()
        now = self.clock()
        session = Session(id=secrets.token_urlsafe(32), created=now, seen=now)
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        session = self._sessions.get(session_id) if session_id else None
        if session is None:
            return None
        now = self.clock()
        if now - session.seen > self.idle_s or now - session.created > self.max_s:
            self._sessions.pop(session.id, None)
            return None
        session.seen = now
        return session

    def rotate(self, session: Session) -> Session:
        """A new id for the same session (at sign-in: no session fixation); new CSRF token."""
        self._sessions.pop(session.id, None)
        session.id = secrets.token_urlsafe(32)
        session.csrf = secrets.token_urlsafe(32)
        self._sessions[session.id] = session
        return session

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def _sweep(self) -> None:
        now = self.clock()
        if now - self._swept < 60:
            return
        self._swept = now
        for session in list(self._sessions.values()):
            if now - session.seen > self.idle_s or now - session.created > self.max_s:
                self._sessions.pop(session.id, None)


def cookie_is_secure(scope: Scope) -> bool:
    connection = HTTPConnection(scope)
    return connection.url.scheme == "https" or connection.url.hostname not in LOCAL_HOSTS


class SessionMiddleware:
    """Finds the request's session (or starts one) and sets the cookie when its id changed.

    ``scope["session"]`` is the session's ``data`` dict, as Starlette's ``request.session``
    and Authlib's Starlette client expect; ``scope["aiq_session"]`` the :class:`Session`.
    """

    def __init__(self, app: ASGIApp, store: SessionStore) -> None:
        self.app, self.store = app, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        given = HTTPConnection(scope).cookies.get(COOKIE)
        session = self.store.get(given) or self.store.create()
        scope["aiq_session"] = session
        scope["session"] = session.data
        secure = cookie_is_secure(scope)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current: Session = scope["aiq_session"]
                if current.id != given:
                    headers = MutableHeaders(scope=message)
                    headers.append("set-cookie", session_cookie(current.id, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def session_cookie(session_id: str, secure: bool) -> str:
    parts = [f"{COOKIE}={session_id}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)
