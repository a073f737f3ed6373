"""What every service does the same way for safety: retry-safe writes belong to their caller
and request, the audit trail names who changed what (and travels with the events), public
pages are rate-limited, documentation can be closed, production refuses development keys."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import Depends
from pydantic import ValidationError

from aiq_contacts.settings import ContactsSettings
from aiq_shared.auth import issue_token, public
from aiq_shared.envelope import Actor, current_actor
from aiq_shared.ratelimit import rate_limited
from helpers import service_client

pytestmark = pytest.mark.integration

ORGANISATION = {"name": "Metallbau Emscher", "industry": "Handwerk", "district": "Hörde"}


def bearer(settings, subject: str, role: str = "admin", districts=None) -> dict[str, str]:
    token = issue_token(settings.auth_secret, subject, role, districts, f"Name {subject}")
    return {"Authorization": f"Bearer {token}"}


async def test_an_idempotency_key_belongs_to_its_caller_and_body(system) -> None:
    settings = system.settings["contacts"]
    first = {**bearer(settings, "anna"), "Idempotency-Key": "k-1"}
    made = await system.contacts.post("/organisations", json=ORGANISATION, headers=first)
    again = await system.contacts.post("/organisations", json=ORGANISATION, headers=first)
    assert made.status_code == 201 and again.json()["id"] == made.json()["id"]

    other_caller = {**bearer(settings, "bert"), "Idempotency-Key": "k-1"}
    stolen = await system.contacts.post("/organisations", json=ORGANISATION, headers=other_caller)
    assert stolen.status_code == 422 and made.json()["id"] not in stolen.text
    other_body = await system.contacts.post(
        "/organisations", json={**ORGANISATION, "name": "Anders GmbH"}, headers=first
    )
    assert other_body.status_code == 422
    assert other_body.json()["reason"] == "idempotency_key_reused"


async def test_the_audit_trail_names_the_actor_and_only_admins_read_it(system) -> None:
    runtime = system.apps["contacts"].state.runtime
    token = current_actor.set(Actor("m.schneider", "Maria Schneider"))
    try:

        async def change(tx) -> None:  # type: ignore[no-untyped-def]
            tx.audit("person", "p-1", "updated", ["email", "phone"])

        await runtime.database.transaction(change)
    finally:
        current_actor.reset(token)
    settings = system.settings["contacts"]
    trail = await system.contacts.get(
        "/audit", params={"resource_type": "person", "resource_id": "p-1"}
    )
    assert trail.status_code == 200
    [entry] = trail.json()["items"]
    assert entry["actor"] == "m.schneider" and entry["actor_name"] == "Maria Schneider"
    assert entry["action"] == "updated" and entry["changed_fields"] == ["email", "phone"]
    assert entry["service"] == "contacts" and entry["request_id"] is None
    by_actor = await system.contacts.get("/audit", params={"actor": "m.schneider"})
    assert [e["resource_id"] for e in by_actor.json()["items"]] == ["p-1"]
    officer = bearer(settings, "m.schneider", "officer", ["Hörde"])
    assert (await system.contacts.get("/audit", headers=officer)).status_code == 403
    coordinator = bearer(settings, "k.wagner", "coordinator")
    assert (await system.contacts.get("/audit", headers=coordinator)).status_code == 403


async def test_a_public_page_answers_429_with_retry_after_beyond_its_limit(
    settings_for, smtp_server
) -> None:
    from asgi_lifespan import LifespanManager

    from aiq_contacts.app import create_app

    settings = settings_for(ContactsSettings, "contacts", public_pages_per_minute=3)
    app = create_app(settings)

    @public
    async def page() -> dict[str, str]:
        return {"page": "ok"}

    app.router.add_api_route(
        "/__public", page, methods=["GET"], dependencies=[Depends(rate_limited)]
    )
    async with LifespanManager(app), service_client(app, settings) as client:
        answers = [await client.get("/__public", headers={"Authorization": ""}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert answers[-1].headers["content-type"].startswith("application/problem+json")


async def test_documentation_and_metrics_can_need_a_token(settings_for) -> None:
    from asgi_lifespan import LifespanManager

    from aiq_contacts.app import create_app

    settings = settings_for(ContactsSettings, "contacts", docs_public=False, metrics_public=False)
    app = create_app(settings)
    async with LifespanManager(app), service_client(app, settings) as client:
        anonymous = {"Authorization": ""}
        for path in ("/openapi.json", "/docs", "/metrics"):
            assert (await client.get(path, headers=anonymous)).status_code == 401, path
            assert (await client.get(path)).status_code == 200, path  # with the admin's token
        assert (await client.get("/health", headers=anonymous)).status_code == 200


async def test_requests_carry_a_request_id(system) -> None:
    response = await system.contacts.get("/organisations", headers={"X-Request-ID": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    made = (await system.contacts.get("/organisations")).headers["x-request-id"]
    assert len(made) == 32


def test_production_refuses_the_development_keys(monkeypatch) -> None:
    with pytest.raises(ValidationError, match="auth_secret"):
        ContactsSettings(environment="production")
    good = ContactsSettings(environment="production", auth_secret="x" * 40)
    assert good.environment == "production"
    with pytest.raises(ValidationError, match="auth_required"):
        ContactsSettings(environment="production", auth_secret="x" * 40, auth_required=False)


async def test_cors_only_for_the_listed_origins(settings_for) -> None:
    from aiq_contacts.app import create_app

    settings = settings_for(ContactsSettings, "contacts", cors_origins=["https://staff.example"])
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts") as client:
        allowed = await client.options(
            "/organisations",
            headers={"Origin": "https://staff.example", "Access-Control-Request-Method": "GET"},
        )
        foreign = await client.options(
            "/organisations",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
    assert allowed.headers.get("access-control-allow-origin") == "https://staff.example"
    assert "access-control-allow-origin" not in foreign.headers
    await asyncio.sleep(0)
