"""Who is asking: bearer JWTs (ARCHITECTURE §6), roles and districts.

Every route needs a token unless it says otherwise: a route is open only when its endpoint is
marked :func:`public` (health, readiness, the self-service pages behind personal links).
A token comes as ``Authorization: Bearer <JWT>``, or for pages in a browser (endpoints
marked :func:`signs_in_by_link`) as the ``aiq_token`` cookie that a link with ``?token=`` sets
(HttpOnly,
SameSite=Strict; a form POST with the cookie must also come from the same origin, so no
other site can make a signed-in browser write). Tokens are HS256 with a shared key
(development, tests, small installations) or, with ``auth_jwks_url``, RS256/ES256 from the
city's OIDC provider.

Claims: ``sub``, ``name``, ``role`` (admin, coordinator, officer) and ``districts`` (an
officer's Stadtbezirke). Admins and coordinators see every district; officers theirs: the
request's :class:`~aiq_shared.scope.Scope`. Which roles may call a route is declared next to
it: ``dependencies=[allow("coordinator", "admin")]``; without that, every signed-in role may.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import jwt
from fastapi import Depends, Request, Response
from fastapi.params import Depends as DependsParam
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders

from aiq_shared.envelope import Actor, current_actor
from aiq_shared.errors import Forbidden, Unauthenticated
from aiq_shared.scope import Scope

Role = Literal["admin", "coordinator", "officer"]
ROLES: tuple[Role, ...] = ("admin", "coordinator", "officer")
COOKIE = "aiq_token"
ALGORITHMS = ["HS256", "RS256", "ES256"]


def public[F](endpoint: F) -> F:
    """Mark a route open: no token needed (health, readiness, personal-link pages)."""
    endpoint.__aiq_public__ = True  # type: ignore[attr-defined]
    return endpoint


def signs_in_by_link[F](endpoint: F) -> F:
    """Mark an HTML page that a link with ``?token=`` may sign in to (never a JSON API)."""
    endpoint.__aiq_signs_in_by_link__ = True  # type: ignore[attr-defined]
    return endpoint


def is_public(route: Any) -> bool:
    endpoint = getattr(route, "endpoint", None)
    return bool(getattr(endpoint, "__aiq_public__", False))


def _takes_link_sign_in(request: Request) -> bool:
    route = request.scope.get("route")
    return bool(getattr(getattr(route, "endpoint", None), "__aiq_signs_in_by_link__", False))


class Principal(BaseModel):
    subject: str
    name: str | None = None
    role: Role
    districts: list[str] = []

    @property
    def sees_all(self) -> bool:
        return self.role in ("admin", "coordinator")

    def may_see(self, district: str) -> bool:
        return self.sees_all or district in self.districts

    def visible(self, districts: list[str]) -> list[str]:
        return list(districts) if self.sees_all else [d for d in districts if d in self.districts]

    def require_district(self, district: str) -> None:
        if not self.may_see(district):
            raise Forbidden(f"district {district} is not among yours")

    @property
    def scope(self) -> Scope:
        return Scope.everything() if self.sees_all else Scope.of(self.districts)

    @property
    def actor(self) -> Actor:
        return Actor(subject=self.subject, name=self.name)


ANONYMOUS_ADMIN = Principal(subject="anonymous", name="Ohne Anmeldung", role="admin")


def issue_token(
    secret: str,
    subject: str,
    role: Role,
    districts: list[str] | None = None,
    name: str | None = None,
    valid_for: timedelta = timedelta(hours=12),
    audience: str = "aiq",
) -> str:
    """A token signed with the shared key (development, tests, the launcher's tokens)."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "name": name or subject,
        "role": role,
        "districts": districts or [],
        "aud": audience,
        "iat": now,
        "exp": now + valid_for,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def verify(token: str, settings) -> Principal:  # type: ignore[no-untyped-def]
    try:
        if settings.auth_jwks_url:
            key = _jwks_client(settings.auth_jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ["RS256", "ES256"]
        else:
            key, algorithms = settings.auth_secret, ["HS256"]
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.auth_audience,
            issuer=settings.auth_issuer,
            options={"require": ["sub", "exp", "role"]},
        )
        return Principal(
            subject=str(claims["sub"]),
            name=claims.get("name"),
            role=claims["role"],
            districts=list(claims.get("districts") or []),
        )
    except (jwt.PyJWTError, ValueError) as error:
        raise Unauthenticated(f"invalid token: {error}") from error


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    safe = request.method in ("GET", "HEAD")
    if safe and _takes_link_sign_in(request) and (query := request.query_params.get("token")):
        request.state.sign_in = query  # the response keeps it in the cookie (runtime.py)
        return query
    cookie = request.cookies.get(COOKIE)
    if cookie and (safe or _same_origin(request)):
        return cookie
    return None


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


def keep_signed_in(request: Request, status: int, headers: MutableHeaders) -> None:
    """After a ``?token=`` link was accepted: the browser keeps the token for its next pages
    (a cookie set on the answer's ``headers``)."""
    token = getattr(request.state, "sign_in", None)
    if token and status < 400:
        cookie = Response()
        cookie.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
        for value in cookie.headers.getlist("set-cookie"):
            headers.append("set-cookie", value)


async def authenticate(request: Request) -> Principal | None:
    """App-wide dependency: every route but the open ones needs a valid token."""
    route = request.scope.get("route")
    if route is not None and is_public(route):
        return None
    settings = request.app.state.runtime.settings
    if not settings.auth_required:
        principal = ANONYMOUS_ADMIN
    else:
        token = token_of(request)
        if token is None:
            raise Unauthenticated("a bearer token is needed (Authorization: Bearer <JWT>)")
        principal = verify(token, settings)
    request.state.principal = principal
    current_actor.set(principal.actor)  # the audit trail and the events name them
    return principal


def principal_of(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthenticated("not signed in")
    return principal


async def current_principal(request: Request) -> Principal:
    return principal_of(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class Allowed:
    """A route dependency: only these roles may call it (403 for the others)."""

    def __init__(self, *roles: Role) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown or not roles:
            raise ValueError(f"unknown roles: {unknown or 'none given'}")
        self.roles = tuple(r for r in ROLES if r in roles)

    async def __call__(self, request: Request) -> Principal:
        principal = principal_of(request)
        if principal.role not in self.roles:
            raise Forbidden(f"this needs the role {' or '.join(self.roles)}")
        return principal


def allow(*roles: Role) -> DependsParam:
    """``dependencies=[allow("coordinator", "admin")]`` next to a route."""
    return Depends(Allowed(*roles))


def roles_of(route: Any) -> tuple[Role, ...] | None:
    """The roles a route allows: None for a public route, every role unless it says."""
    if is_public(route):
        return None
    for dependency in getattr(route, "dependencies", None) or []:
        if isinstance(dependency.dependency, Allowed):
            return dependency.dependency.roles
    return ROLES


async def current_scope(request: Request) -> Scope:
    return principal_of(request).scope


CurrentScope = Annotated[Scope, Depends(current_scope)]
