"""The permission matrix: every operation of a service, called as each role, with the exact
answer each role gets (issue 11). A service's test declares one :class:`Operation` per route
(every method and path the app answers, HTML pages included): :func:`check_matrix` fails when
a route has no declaration (a new route must say who may call it) or a declaration names no
route.

Roles: ``anonymous`` (no token), ``officer_here`` (the Hörde officer, the resources' district),
``officer_elsewhere`` (the officer of Eving and Innenstadt-Nord), ``coordinator``, ``admin``.
Each call gets its own request from the operation's ``call`` (so a write may act on a resource
made for it); a refused write is checked to have changed nothing (``snapshot`` before and
after). Roles are tried refused-first, so a permitted delete can't hide a later refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from aiq_shared.auth import issue_token
from aiq_shared.routes import operations

ROLES = ("anonymous", "officer_elsewhere", "officer_here", "coordinator", "admin")
NOT_OPERATIONS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def tokens(secret: str) -> dict[str, str | None]:
    return {
        "anonymous": None,
        "officer_here": issue_token(secret, "m.schneider", "officer", ["Hörde"], "Maria Schneider"),
        "officer_elsewhere": issue_token(
            secret, "t.yilmaz", "officer", ["Eving", "Innenstadt-Nord"], "Tarik Yılmaz"
        ),
        "coordinator": issue_token(secret, "k.wagner", "coordinator", None, "Katrin Wagner"),
        "admin": issue_token(secret, "it.betrieb", "admin", None, "IT-Betrieb"),
    }


@dataclass
class Call:
    """One concrete request."""

    path: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None
    files: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


# the answers of common kinds of operation
READ_IN_DISTRICT = {
    "anonymous": 401,
    "officer_elsewhere": 404,
    "officer_here": 200,
    "coordinator": 200,
    "admin": 200,
}
LIST_FOR_EVERYONE = {role: 200 for role in ROLES} | {"anonymous": 401}


@dataclass
class Operation:
    method: str
    path: str  # the route's template, e.g. /people/{person_id}
    call: Callable[[Any, str], Awaitable[Call]]  # (world, role) -> the request
    expect: Mapping[str, int | frozenset[int]]
    # what must not change when the role is refused (e.g. the resource as the admin reads it)
    snapshot: Callable[[Any], Awaitable[Any]] | None = None
    # for lists: a check of the answer per role (e.g. no Eving item for the Hörde officer)
    inspect: Callable[[str, httpx.Response], None] | None = None


def declared_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, op.path)
        for op in operations(app.routes)
        if op.path not in NOT_OPERATIONS
        for method in op.methods
        if method != "HEAD"
    }


async def check_matrix(
    client: httpx.AsyncClient,
    app: Any,
    secret: str,
    world: Any,
    table: Iterable[Operation],
) -> list[str]:
    """Call every operation as every role; the list of every mismatch (empty: all as declared)."""
    table = list(table)
    declared = {(op.method, op.path) for op in table}
    routes = declared_routes(app)
    problems = [f"{m} {p}: no declaration of who may call it" for m, p in sorted(routes - declared)]
    problems += [f"{m} {p}: declared but no such route" for m, p in sorted(declared - routes)]
    role_tokens = tokens(secret)
    for operation in table:
        for role in ROLES:
            expected = operation.expect[role]
            allowed = {expected} if isinstance(expected, int) else set(expected)
            request = await operation.call(world, role)
            before = await operation.snapshot(world) if operation.snapshot else None
            token = role_tokens[role]
            headers = {"Authorization": f"Bearer {token}" if token else "", **request.headers}
            response = await client.request(
                operation.method,
                request.path,
                json=request.json,
                params=request.params,
                data=request.data,
                files=request.files,
                headers=headers,
            )
            where = f"{operation.method} {request.path} as {role}"
            if response.status_code not in allowed:
                problems.append(f"{where}: {response.status_code}, expected {sorted(allowed)}")
                continue
            if response.status_code >= 400 and operation.snapshot is not None:
                after = await operation.snapshot(world)
                if after != before:
                    problems.append(f"{where}: refused, yet it changed something")
            if operation.inspect is not None and response.status_code < 400:
                try:
                    operation.inspect(role, response)
                except AssertionError as error:
                    problems.append(f"{where}: {error}")
    return problems
