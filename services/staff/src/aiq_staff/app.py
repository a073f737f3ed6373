"""The staff web app's composition root: middleware, routers, error pages, API clients."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from aiq_staff import signin
from aiq_staff.api import ApiProblem, Clients
from aiq_staff.navigation import REFUSALS
from aiq_staff.pages import (
    day,
    home,
    imports,
    invitations,
    meetings,
    organisations,
    outcomes,
    people,
    registrations,
    segments,
)
from aiq_staff.problems import page_message
from aiq_staff.security import CsrfRefused, SecurityHeadersMiddleware, session_of
from aiq_staff.sessions import SessionMiddleware, SessionStore
from aiq_staff.settings import StaffSettings
from aiq_staff.web import HERE, Refused, SignInNeeded, is_htmx, render, sign_in_redirect

ROUTERS = (
    signin,
    home,
    organisations,
    people,
    segments,
    imports,
    meetings,
    invitations,
    registrations,
    day,
    outcomes,
)


def create_app(settings: StaffSettings | None = None, transport=None) -> FastAPI:
    """``transport`` replaces the network for the API clients (unit tests)."""
    settings = settings or StaffSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        urls = {
            "contacts": settings.contacts_url,
            "events": settings.events_url,
            "notifications": settings.notifications_url,
        }
        app.state.clients = Clients(urls, settings.api_timeout_s, transport)
        yield
        await app.state.clients.close()

    app = FastAPI(
        title="AiQ Mitarbeitende",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.sessions = SessionStore(settings.session_idle_s, settings.session_max_s)
    app.state.sign_in = signin.SignIn(settings)
    app.add_middleware(SessionMiddleware, store=app.state.sessions)
    app.add_middleware(SecurityHeadersMiddleware, issuer=settings.oidc_issuer)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in ROUTERS:
        app.include_router(module.router)

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        return JSONResponse({"status": "ready", "service": "staff"})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        messages = {404: "Diese Seite gibt es nicht.", 405: "So geht das hier nicht."}
        message = messages.get(error.status_code, "Das hat nicht geklappt.")
        return render(request, "error.html", {"message": message}, status=error.status_code)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, error: SignInNeeded) -> Response:
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": "/anmelden"})
        return sign_in_redirect(error.next_path)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        message = (
            "Das Formular war nicht mehr gültig (zum Beispiel nach einer neuen Anmeldung). "
            "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
        )
        return render(request, "error.html", {"message": message}, status=403)

    @app.exception_handler(Refused)
    async def _refused(request: Request, refused: Refused) -> Response:
        message = REFUSALS.get(refused.action, "Dafür fehlt Ihnen die Berechtigung.")
        return render(request, "error.html", {"message": message}, status=403)

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, problem: ApiProblem) -> Response:
        if problem.status == 401:  # the token is no longer accepted: sign in again
            session = session_of(request)
            session.user = session.access_token = None
            return await _sign_in(request, SignInNeeded(request.url.path))
        status = problem.status if problem.status in (403, 404, 409, 503) else 502
        context = {"message": page_message(problem), "detail": problem.detail}
        return render(request, "error.html", context, status=status)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg")

    return app
