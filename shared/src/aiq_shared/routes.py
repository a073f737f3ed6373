"""Every route of an app as it answers, with its full path: FastAPI (>= 0.16x) keeps an
included router as one nested entry of ``app.routes``, so code that needs the operations
(the OpenAPI document's open routes, the roles per route in the docs, the permission tests)
walks them here, once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Operation:
    path: str
    methods: frozenset[str]
    route: Any
    tags: tuple[str, ...]


def operations(
    routes: Iterable[Any], prefix: str = "", tags: tuple[str, ...] = ()
) -> Iterator[Operation]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = route.include_context
            yield from operations(
                included.routes, prefix + (context.prefix or ""), (*tags, *(context.tags or ()))
            )
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        yield Operation(
            path=prefix + path,
            methods=frozenset(getattr(route, "methods", None) or ()),
            route=route,
            tags=(*tags, *(getattr(route, "tags", None) or ())),
        )
