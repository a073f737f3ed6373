"""What every page handler uses: the signed-in person, their API clients, rendering.

``render`` fills in the layout's needs (the person, the navigation, the CSRF token, the
messages of the last redirect) and, for an htmx request that names a block, renders only
that block of the template (jinja2-fragments). ``after_post`` answers a form with a 303 to
the page that shows the result (Post/Redirect/Get), so reloading never posts twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks

from aiq_staff import formatting, navigation
from aiq_staff.api import ApiProblem
from aiq_staff.contacts_api import ContactsApi
from aiq_staff.events_api import EventsApi
from aiq_staff.navigation import may
from aiq_staff.notifications_api import NotificationsApi
from aiq_staff.problems import FormProblems, form_problems, page_message
from aiq_staff.security import session_of
from aiq_staff.sessions import Session, User

HERE = Path(__file__).parent
templates = Jinja2Blocks(directory=str(HERE / "templates"))
templates.env.filters.update(formatting.FILTERS)
templates.env.globals.update(
    labels=formatting.LABELS,
    de_span=formatting.de_span,
    may=navigation.may,
    label=formatting.label,
    htmx="/static/htmx-2.0.11.min.js",
)


class SignInNeeded(Exception):
    def __init__(self, next_path: str = "/") -> None:
        self.next_path = next_path


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def current_user(request: Request) -> User:
    session = session_of(request)
    if session.user is None or not session.access_token:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target if request.method == "GET" else "/")
    return session.user


CurrentUser = Annotated[User, Depends(current_user)]


class Apis:
    """The three services' APIs, called with this person's token."""

    def __init__(self, request: Request, user: User) -> None:
        clients = request.app.state.clients
        token = session_of(request).access_token
        self.user = user
        self.contacts = ContactsApi(clients.for_token("contacts", token))
        self.events = EventsApi(clients.for_token("events", token))
        self.notifications = NotificationsApi(clients.for_token("notifications", token))


async def apis(request: Request, user: CurrentUser) -> Apis:
    """The person's APIs; an access token about to expire is refreshed first (OIDC)."""
    await request.app.state.sign_in.keep_fresh(request, session_of(request))
    if session_of(request).user is None:
        raise SignInNeeded(request.url.path)
    return Apis(request, user)


ApisDep = Annotated[Apis, Depends(apis)]


class Refused(Exception):
    """An action the signed-in person's role does not allow (answered as a page, 403)."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


def needs(action: str):  # noqa: ANN201 - a FastAPI dependency
    """A page dependency: only roles that may take ``action`` (navigation.PERMISSIONS)."""

    async def check(user: CurrentUser) -> None:
        if not may(user.role, action):
            raise Refused(action)

    return Depends(check)


def flash(request: Request, message: str, kind: str = "success") -> None:
    session_of(request).data.setdefault("flash", []).append({"text": message, "kind": kind})


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    block: str | None = None,
) -> Response:
    # static files have no session (an error page for one still renders)
    session: Session = request.scope.get("aiq_session") or Session(id="", created=0, seen=0)
    user = session.user
    role = user.role if user else None
    messages = session.data.pop("flash", []) if block is None or not is_htmx(request) else []
    nav = [
        {"item": item, "current": navigation.current(request.url.path, item)}
        for item in navigation.navigation(role)
    ]
    full = {
        "request": request,
        "user": user,
        "csrf": session.csrf,
        "nav": nav,
        "messages": messages,
        "development": request.app.state.settings.development_sign_in,
        "staff_names": {m.username: m.name for m in request.app.state.settings.staff},
        "problems": FormProblems(),
        "values": {},
        **(context or {}),
    }
    if block is not None and is_htmx(request):
        return templates.TemplateResponse(request, name, full, status_code=status, block_name=block)
    return templates.TemplateResponse(request, name, full, status_code=status)


def form_error(
    request: Request, name: str, problem: ApiProblem, values: dict, context: dict | None = None
) -> Response:
    """Show the form again with what was typed and the API's problems next to the fields."""
    problems = form_problems(problem)
    status = problem.status if problem.status in (409, 422) else 400
    return render(
        request, name, {**(context or {}), "problems": problems, "values": values}, status=status
    )


def after_post(path: str, message: str | None = None, request: Request | None = None):
    if message and request is not None:
        flash(request, message)
    return RedirectResponse(path, status_code=303)


async def act(request: Request, call, back: str, done=None) -> Response:
    """Run an API call for a button; a refusal becomes a German message on ``back``.

    ``done`` is the success message, or a function of the call's answer giving it. A 401, 403
    or 404 goes on to the app's error handling (sign in again, a German error page).
    """
    try:
        result = await call
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        flash(request, page_message(problem), "warning")
        return RedirectResponse(back, status_code=303)
    message = done(result) if callable(done) else done
    return after_post(back, message, request)


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/anmelden?weiter={quote(next_path, safe='/')}", status_code=303)
