"""The database away, as a killed server leaves it (refused, reset mid-request, no server
to select): every route answers 503 with Retry-After, never 500; a page opened in a browser
(an invitee's personal link) gets a German page, an API client problem+json."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError

from aiq_shared.problems import install_problem_handlers

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ERRORS = {
    "refused": ServerSelectionTimeoutError("127.0.0.1:27102: [Errno 111] Connection refused"),
    "reset": AutoReconnect("127.0.0.1:27102: [Errno 104] Connection reset by peer"),
    "timeout": NetworkTimeout("127.0.0.1:27102: timed out"),
}


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/down/{kind}")
    async def down(kind: str) -> None:
        raise ERRORS[kind]

    return app


async def _get(path: str, accept: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.get(path, headers={"Accept": accept})


@pytest.mark.parametrize("kind", sorted(ERRORS))
async def test_an_api_client_hears_503_problem_json_with_retry_after(kind: str) -> None:
    for accept in ("*/*", "application/json"):
        response = await _get(f"/down/{kind}", accept)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["title"] == "Service unavailable"


@pytest.mark.parametrize("kind", sorted(ERRORS))
async def test_a_browser_gets_a_german_page_not_json(kind: str) -> None:
    response = await _get(f"/down/{kind}", BROWSER)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["content-type"].startswith("text/html")
    assert "Bitte versuchen Sie es in ein paar Minuten noch" in response.text
    assert "27102" not in response.text  # nothing of the internals
