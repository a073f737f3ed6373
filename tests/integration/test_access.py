"""Every API needs a bearer token except health, readiness, metrics and public pages; an
officer sees only their districts' dashboards, a coordinator all."""

from __future__ import annotations

import pytest

from aiq_shared.auth import issue_token

pytestmark = pytest.mark.integration


def bearer(settings, role: str, districts: list[str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings.auth_secret, role, role, districts)}"}


async def test_without_a_valid_token_only_open_routes_answer(system) -> None:
    for client, path in (
        (system.contacts, "/people"),
        (system.events, "/events"),
        (system.notifications, "/deliveries"),
        (system.notifications, "/dashboards/city"),
    ):
        response = await client.get(path, headers={"Authorization": ""})
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"].startswith("Bearer")
        forged = await client.get(path, headers={"Authorization": "Bearer abc.def.ghi"})
        assert forged.status_code == 401
    open_ones = [
        await system.contacts.get("/health", headers={"Authorization": ""}),
        await system.events.get("/ready", headers={"Authorization": ""}),
        await system.notifications.get("/unsubscribe/nope", headers={"Authorization": ""}),
    ]
    assert [r.status_code for r in open_ones] == [200, 200, 400]  # 400: a bad link, no 401
    schema = (await system.events.get("/openapi.json", headers={"Authorization": ""})).json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_officers_see_their_districts_and_coordinators_all(system) -> None:
    settings = system.settings["notifications"]
    officer = bearer(settings, "officer", ["Hörde"])
    mine = await system.notifications.get("/dashboards/districts/Hörde", headers=officer)
    assert mine.status_code == 200
    other = await system.notifications.get("/dashboards/districts/Eving", headers=officer)
    assert other.status_code == 403
    assert other.json()["detail"] == "district Eving is not among yours"
    city = (await system.notifications.get("/dashboards/city", headers=officer)).json()
    assert [d["district"] for d in city["districts"]] == ["Hörde"]

    coordinator = bearer(settings, "coordinator")
    city = (await system.notifications.get("/dashboards/city", headers=coordinator)).json()
    assert len(city["districts"]) == 12
    unknown = await system.notifications.get("/dashboards/districts/Gotham", headers=coordinator)
    assert unknown.status_code == 404 and "Hörde" in unknown.json()["known_districts"]

    page = await system.notifications.get("/dashboard/Eving", headers=officer)
    assert page.status_code == 403
    page = await system.notifications.get("/dashboard/H%C3%B6rde", headers=officer)
    assert page.status_code == 200 and "Stadtbezirk Hörde" in page.text


async def test_a_browser_signs_in_by_link_and_writes_only_from_the_same_origin(system) -> None:
    settings = system.settings["events"]
    token = issue_token(settings.auth_secret, "desk", "officer", ["Hörde"])
    browser = {"Authorization": ""}
    # a JSON API never takes a token from the address (it would end up in logs and histories)
    refused = await system.events.get("/events", params={"token": token}, headers=browser)
    assert refused.status_code == 401
    meeting = await system.events.post(
        "/events",
        json={
            "title": "Netzwerktreffen Hörde",
            "starts_at": "2027-03-01T16:00:00",
            "ends_at": "2027-03-01T19:00:00",
            "venue": {"name": "Café Durchblick"},
            "capacity": 10,
            "districts": ["Hörde"],
        },
    )
    desk = f"/events/{meeting.json()['id']}/check-in-desk"
    signed_in = await system.events.get(desk, params={"token": token}, headers=browser)
    assert signed_in.status_code == 200
    cookie = signed_in.cookies["aiq_token"]
    assert cookie == token and "httponly" in signed_in.headers["set-cookie"].lower()
    with_cookie = {**browser, "Cookie": f"aiq_token={cookie}"}
    assert (await system.events.get("/events", headers=with_cookie)).status_code == 200
    body = {"title": "x", "starts_at": "2027-01-01T10:00:00", "ends_at": "2027-01-01T11:00:00"}
    # a form posted from another site carries the cookie but not our origin: refused
    foreign = await system.events.post(
        "/events", json=body, headers={**with_cookie, "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 401
    same = await system.events.post(
        "/events", json=body, headers={**with_cookie, "Origin": "http://events"}
    )
    assert same.status_code != 401  # signed in (the body itself may still be refused)
