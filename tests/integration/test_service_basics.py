"""What every service answers the same way: metrics without a redirect, a bug as problem+json,
and every date it accepts stored and read back as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from aiq_shared.mongo import create_client

pytestmark = pytest.mark.integration


async def test_metrics_answer_at_their_own_path(system) -> None:
    for client in (system.contacts, system.events, system.notifications):
        response = await client.get("/metrics", headers={"Authorization": ""})
        assert response.status_code == 200, response.headers.get("location")
        assert response.headers["content-type"].startswith("text/plain")
        assert "aiq_events_published_total" in response.text or "# HELP" in response.text


async def test_an_unexpected_error_is_problem_json_not_text(system) -> None:
    app = system.apps["contacts"]

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.router.add_api_route("/__broken", broken, methods=["GET"])
    # Starlette answers, then re-raises for the server to log: a client as uvicorn would be
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts") as client:
        response = await client.get("/__broken", headers=system.contacts.headers)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "Internal error"
    assert "a bug" not in response.text  # no internals leak to the caller


async def test_dates_are_stored_and_read_back(mongo_url, run_id) -> None:
    client = create_client(mongo_url)
    try:
        collection = client[f"t_{run_id}_dates"]["things"]
        when = datetime(2026, 5, 1, 14, 30, tzinfo=UTC)
        await collection.insert_one(
            {"_id": "a", "due": date(2026, 5, 4), "at": when, "items": [{"due": date(2027, 1, 1)}]}
        )
        stored = await collection.find_one({"due": {"$gte": date(2026, 5, 1)}})
        assert stored is not None
        assert date.fromisoformat(stored["due"]) == date(2026, 5, 4)
        assert stored["at"] == when  # datetimes stay datetimes
        assert stored["items"][0]["due"] == "2027-01-01"
    finally:
        await client.close()


async def test_every_service_serves_its_asyncapi_document(system) -> None:
    document = (
        await system.notifications.get("/asyncapi.json", headers={"Authorization": ""})
    ).json()
    assert document["asyncapi"] == "3.0.0"
    operations = document["operations"]
    assert operations["send_aiq_notifications"]["action"] == "send"
    received = {
        m["$ref"].rsplit("/", 1)[1] for m in operations["receive_aiq_registrations"]["messages"]
    }
    assert "aiq_registration_confirmed_v1" in received
