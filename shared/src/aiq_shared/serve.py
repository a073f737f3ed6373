"""Run a service's app with uvicorn on its configured host and port."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from aiq_shared.settings import ServiceSettings


def serve[S: ServiceSettings](settings: S, create_app: Callable[[S], FastAPI]) -> None:
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    )
