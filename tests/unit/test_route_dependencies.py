"""Every route's dependencies are coroutines.

FastAPI runs a plain ``def`` dependency in a thread of its pool: a thread hop per dependency
per request, queued behind the pool's 40 threads under load. The dashboard JSON had four
such hops (the service from ``app.state``, the district check, the principal, the scope).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from aiq_contacts.app import create_app as contacts
from aiq_events.app import create_app as events
from aiq_notifications.app import create_app as notifications
from aiq_staff.app import create_app as staff


def _routes(routes: list) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included in another
            yield from _routes(route.original_router.routes)


def _calls(dependant: Dependant) -> Iterator[object]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _runs_on_the_loop(call: object) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 (an instance with an async __call__)
    )


@pytest.mark.parametrize("create_app", [contacts, events, notifications, staff])
def test_no_route_runs_a_dependency_in_the_thread_pool(create_app) -> None:
    app: FastAPI = create_app()
    routes = list(_routes(app.routes))
    assert len(routes) > 10
    in_threads = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in _calls(route.dependant)
        if not _runs_on_the_loop(call)
    } | {repr(d.dependency) for d in app.router.dependencies if not _runs_on_the_loop(d.dependency)}
    assert not in_threads
    assert all(
        inspect.iscoroutinefunction(route.endpoint) or inspect.isasyncgenfunction(route.endpoint)
        for route in routes  # a streamed answer (server-sent events) is an async generator
    )
