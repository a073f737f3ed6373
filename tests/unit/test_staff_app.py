"""The staff app as a browser sees it, with the services' APIs replaced by answers given
here (httpx.MockTransport): sessions, CSRF, sign-in and its refusal in production, security
headers, problems next to their fields with nothing typed lost, and what a 401 or an
unreachable service does."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError

from aiq_shared.auth import verify
from aiq_shared.settings import ServiceSettings
from aiq_shared.staff import StaffMember
from aiq_staff.app import create_app
from aiq_staff.sessions import COOKIE, SessionStore
from aiq_staff.settings import StaffSettings

STAFF = [
    StaffMember(
        username="m.schneider", name="Maria Schneider", email="m@aiq.example", districts=["Hörde"]
    ),
    StaffMember(
        username="k.wagner", name="Katrin Wagner", email="k@aiq.example", role="coordinator"
    ),
]
EMPTY_PAGE = {"items": [], "next_cursor": None, "total": 0}


class FakeServices:
    """Answers like the three services; remembers every request it got."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: dict[tuple[str, str], httpx.Response] = {}

    def answer(self, method: str, path: str, status: int, body: object) -> None:
        self.answers[(method, path)] = httpx.Response(status, json=body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        given = self.answers.get((request.method, request.url.path))
        if given is not None:
            return given
        if request.url.path in ("/follow-ups", "/organisations", "/people"):
            return httpx.Response(200, json=EMPTY_PAGE)
        if request.url.path.startswith("/dashboards/"):
            return httpx.Response(200, json={"district": "Hörde", "events": []})
        if request.url.path == "/industries":
            return httpx.Response(200, json={"sections": [], "unclassified": ["Handwerk"]})
        if request.url.path == "/officers":
            return httpx.Response(200, json=[])
        return httpx.Response(404, json={"title": "Not found", "status": 404, "detail": "no"})


def settings(**overrides) -> StaffSettings:
    base = {
        "contacts_url": "http://contacts",
        "events_url": "http://events",
        "notifications_url": "http://notifications",
        "staff": STAFF,
    }
    return StaffSettings(**(base | overrides))


@pytest.fixture
async def app_and_services():
    services = FakeServices()
    app = create_app(settings(), transport=httpx.MockTransport(services))
    async with LifespanManager(app):
        yield app, services


def client(app, base_url: str = "http://127.0.0.1:8000") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def signed_in(browser: httpx.AsyncClient, username: str = "m.schneider") -> httpx.Response:
    page = await browser.get("/anmelden")
    return await browser.post("/anmelden", data={"csrf": csrf_of(page.text), "username": username})


async def test_the_development_sign_in_offers_the_staff_list_and_mints_their_token(
    app_and_services,
) -> None:
    app, services = app_and_services
    async with client(app) as browser:
        page = await browser.get("/anmelden")
        assert page.status_code == 200
        assert "Entwicklung" in page.text and "Maria Schneider" in page.text
        before = browser.cookies[COOKIE]
        answer = await signed_in(browser)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        assert browser.cookies[COOKIE] != before  # a new session id once signed in
        start = await browser.get("/")
    assert start.status_code == 200 and "Mein Bezirk: Hörde" in start.text
    tokens = {r.headers["authorization"] for r in services.requests}
    assert len(tokens) == 1  # every call with the person's own token
    principal = verify(tokens.pop().removeprefix("Bearer "), ServiceSettings())
    assert (principal.subject, principal.role, principal.districts) == (
        "m.schneider",
        "officer",
        ["Hörde"],
    )
    owners = [r.url.params.get("owner") for r in services.requests if r.url.path == "/follow-ups"]
    assert "m.schneider" in owners  # mine first


async def test_every_post_needs_the_sessions_csrf_token(app_and_services) -> None:
    app, services = app_and_services
    async with client(app) as browser:
        await browser.get("/anmelden")
        refused = await browser.post("/anmelden", data={"username": "m.schneider"})
        assert refused.status_code == 403 and "nicht mehr gültig" in refused.text
        forged = await browser.post("/anmelden", data={"username": "m.schneider", "csrf": "x"})
        assert forged.status_code == 403
        await signed_in(browser)
        organisation = await browser.post("/betriebe/neu", data={"name": "X"})
        assert organisation.status_code == 403
        header = await browser.post(
            "/betriebe/neu", data={"name": "X"}, headers={"X-CSRF-Token": "wrong"}
        )
        assert header.status_code == 403
    assert not [r for r in services.requests if r.method == "POST"]  # nothing reached an API


async def test_an_unknown_name_is_refused_and_production_has_no_development_sign_in() -> None:
    with pytest.raises(ValidationError, match="AIQ_STAFF_OIDC_ISSUER"):
        StaffSettings(environment="production")
    production = settings(environment="production", oidc_issuer="https://login.example/realm")
    assert not production.development_sign_in
    app = create_app(production, transport=httpx.MockTransport(FakeServices()))
    assert app.state.sign_in.development_token("m.schneider") is None
    async with LifespanManager(app), client(app) as browser:
        browser.cookies.set(COOKIE, app.state.sessions.create().id)
        session = next(iter(app.state.sessions._sessions.values()))
        refused = await browser.post(
            "/anmelden", data={"csrf": session.csrf, "username": "m.schneider"}
        )
        assert refused.status_code == 404
        assert session.user is None
    development = create_app(settings(), transport=httpx.MockTransport(FakeServices()))
    async with LifespanManager(development), client(development) as browser:
        unknown = await signed_in(browser, "nobody")
        assert unknown.status_code == 422 and "nobody" in unknown.text


async def test_pages_need_a_sign_in_and_htmx_is_told_where_to_go(app_and_services) -> None:
    app, _ = app_and_services
    async with client(app) as browser:
        page = await browser.get("/betriebe?q=b%C3%A4ck")
        assert page.status_code == 303
        location = httpx.URL(page.headers["location"])
        assert location.path == "/anmelden"
        assert location.params["weiter"] == "/betriebe?q=b%C3%A4ck"  # back there after it
        partial = await browser.get("/betriebe", headers={"HX-Request": "true"})
        assert partial.status_code == 401 and partial.headers["HX-Redirect"] == "/anmelden"


async def test_every_answer_carries_the_security_headers_and_a_safe_cookie(app_and_services):
    app, _ = app_and_services
    async with client(app) as browser:
        cookie = (await browser.get("/anmelden")).headers.get("set-cookie") or ""
        for path in ("/anmelden", "/static/app.css", "/nirgends"):
            answer = await browser.get(path)
            csp = answer.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "same-origin"
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    async with client(app, "http://staff.aiq.example") as remote:
        cookie = (await remote.get("/anmelden")).headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


async def test_a_validation_problem_is_shown_at_its_field_and_nothing_typed_is_lost(
    app_and_services,
) -> None:
    app, services = app_and_services
    services.answer(
        "POST",
        "/organisations",
        422,
        {
            "title": "Invalid request",
            "status": 422,
            "detail": "The request does not match.",
            "errors": [
                {
                    "loc": ["body", "website"],
                    "msg": "Input should be a valid URL",
                    "type": "url_parsing",
                }
            ],
        },
    )
    async with client(app) as browser:
        await signed_in(browser)
        form = await browser.get("/betriebe/neu")
        answer = await browser.post(
            "/betriebe/neu",
            data={
                "csrf": csrf_of(form.text),
                "name": "Metallbau Emscher",
                "district": "Hörde",
                "website": "kein link",
                "address.street": "Hörder Bahnhofstr. 1",
            },
        )
    assert answer.status_code == 422
    html = answer.text
    assert 'value="Metallbau Emscher"' in html and 'value="Hörder Bahnhofstr. 1"' in html
    assert 'value="kein link"' in html
    assert 'id="f-website-error"' in html and "gültige Webadresse" in html
    assert re.search(r'id="f-website"[^>]*aria-describedby="[^"]*f-website-error"', html)
    assert re.search(r'id="f-website"[^>]*aria-invalid="true"', html)
    [sent] = [r for r in services.requests if r.method == "POST"]
    assert json.loads(sent.content)["address"]["street"] == "Hörder Bahnhofstr. 1"


async def test_a_token_the_services_refuse_signs_out_and_a_service_away_is_a_german_page(
    app_and_services,
) -> None:
    app, services = app_and_services
    async with client(app) as browser:
        await signed_in(browser)
        services.answer("GET", "/events", 401, {"title": "Not signed in", "status": 401})
        expired = await browser.get("/veranstaltungen")
        assert expired.status_code == 303 and expired.headers["location"].startswith("/anmelden")
        assert (await browser.get("/")).status_code == 303  # signed out now

    def away(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = create_app(settings(), transport=httpx.MockTransport(away))
    async with LifespanManager(down), client(down) as browser:
        await signed_in(browser)
        page = await browser.get("/veranstaltungen")
    assert page.status_code == 503 and "nicht erreichbar" in page.text


async def test_signing_out_ends_the_session(app_and_services) -> None:
    app, _ = app_and_services
    async with client(app) as browser:
        await signed_in(browser)
        start = await browser.get("/")
        out = await browser.post("/abmelden", data={"csrf": csrf_of(start.text)})
        assert out.status_code == 303 and out.headers["location"] == "/anmelden"
        assert (await browser.get("/")).status_code == 303
    assert all(s.user is None for s in app.state.sessions._sessions.values())


def test_sessions_end_when_idle_or_old_and_a_sign_in_gets_a_new_id() -> None:
    now = [0.0]
    store = SessionStore(idle_s=60, max_s=300, clock=lambda: now[0])
    session = store.create()
    old_id, old_csrf = session.id, session.csrf
    store.rotate(session)
    assert session.id != old_id and session.csrf != old_csrf and store.get(old_id) is None
    now[0] = 59
    assert store.get(session.id) is session
    now[0] = 120
    assert store.get(session.id) is None  # idle for 61 s
    long = store.create()
    for minute in range(1, 6):
        now[0] = 120 + minute * 59
        assert (store.get(long.id) is None) == (minute * 59 > 300)


async def test_oidc_sends_the_browser_to_the_provider_with_pkce_and_signs_in_on_return():
    """The provider is not called here: its metadata and its token answer are given."""
    app = create_app(
        settings(oidc_issuer="https://login.example/realms/aiq", oidc_client_secret="s3cret"),
        transport=httpx.MockTransport(FakeServices()),
    )
    client_app = app.state.sign_in.client
    metadata = {
        "issuer": "https://login.example/realms/aiq",
        "authorization_endpoint": "https://login.example/realms/aiq/auth",
        "token_endpoint": "https://login.example/realms/aiq/token",
        "jwks_uri": "https://login.example/realms/aiq/certs",
    }

    async def given_metadata():
        client_app.server_metadata = metadata
        return metadata

    claims = {
        "sub": "4f1c",
        "preferred_username": "m.schneider",
        "name": "Maria Schneider",
        "role": "officer",
        "districts": ["Hörde"],
    }

    async def given_token(request):
        return {
            "access_token": "from-the-provider",
            "expires_at": 9_999_999_999,
            "refresh_token": "r",
            "id_token": "i",
            "userinfo": claims,
        }

    client_app.load_server_metadata = given_metadata
    client_app.authorize_access_token = given_token
    async with LifespanManager(app), client(app, "https://staff.aiq.example") as browser:
        away = await browser.get("/anmelden?weiter=/personen")
        assert away.status_code == 302
        target = httpx.URL(away.headers["location"])
        assert str(target).startswith(metadata["authorization_endpoint"])
        assert target.params["code_challenge_method"] == "S256"
        assert target.params["code_challenge"] and target.params["state"]
        assert target.params["redirect_uri"] == "https://staff.aiq.example/anmelden/rueckkehr"
        assert "form-action 'self' https://login.example" in away.headers["content-security-policy"]
        back = await browser.get(f"/anmelden/rueckkehr?code=c&state={target.params['state']}")
        assert back.status_code == 303 and back.headers["location"] == "/personen"
        [session] = [s for s in app.state.sessions._sessions.values() if s.user]
        assert session.access_token == "from-the-provider"
        assert (session.user.username, session.user.districts) == ("m.schneider", ["Hörde"])
        claims["role"] = "visitor"
        refused = await browser.get("/anmelden/rueckkehr?code=c&state=x")
        assert refused.status_code == 403 and "keine Rolle" in refused.text


async def test_the_import_wizard_runs_the_dry_run_without_a_second_upload(app_and_services):
    app, services = app_and_services
    report = {
        "id": "j1",
        "dry_run": True,
        "status": "done",
        "total_rows": 2,
        "processed_rows": 2,
        "valid_rows": 1,
        "created_organisations": 1,
        "reused_organisations": 0,
        "created_people": 1,
        "errors": [{"row": 3, "errors": ["district: unknown"]}],
        "created_at": "2026-12-01T10:00:00Z",
    }
    services.answer("POST", "/imports", 200, report)
    services.answer("GET", "/imports/j2", 200, {**report, "id": "j2", "dry_run": False})
    csv = "organisation_name;district\nMetallbau;Hörde\nX;Nirgendwo\n".encode()
    async with client(app) as officer:  # imports are for coordination (issue 11)
        await signed_in(officer)
        refused = await officer.get("/import")
        assert refused.status_code == 403 and "Koordination" in refused.text
    async with client(app) as browser:
        await signed_in(browser, "k.wagner")
        token = csrf_of((await browser.get("/import")).text)
        dry = await browser.post(
            "/import", data={"csrf": token}, files={"file": ("betriebe.csv", csv, "text/csv")}
        )
        assert dry.status_code == 200 and "district: unknown" in dry.text
        queued = {**report, "id": "j2", "status": "queued", "dry_run": False}
        services.answer("POST", "/imports/j1/run", 202, queued)
        run = await browser.post("/import/ausfuehren", data={"csrf": token})
        assert run.status_code == 303 and run.headers["location"] == "/import/j2"
        progress = await browser.get("/import/j2", headers={"HX-Request": "true"})
        assert progress.status_code == 286  # done: htmx stops polling
        assert "<html" not in progress.text and "ist fertig" in progress.text
        again = await browser.post("/import/ausfuehren", data={"csrf": token})
        assert again.headers["location"] == "/import"  # a dry run is run once
    # the file went up once, for the dry run; the service ran that dry run's file for real
    posts = [r for r in services.requests if r.url.path == "/imports" and r.method == "POST"]
    assert [r.url.params["dry_run"] for r in posts] == ["true"]
    assert posts[0].content == csv and posts[0].headers["content-type"] == "text/csv"
    runs = [r for r in services.requests if r.url.path == "/imports/j1/run"]
    assert len(runs) == 1 and runs[0].method == "POST"
