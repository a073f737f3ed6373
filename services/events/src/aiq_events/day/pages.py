"""The check-in desk (staff of the meeting's districts): find a registration by name, check in
by code, take a walk-in. German, no JavaScript, usable on a phone; every refusal is a page,
never a 500. A phone signs in once with a link carrying the staff token (``?token=``, the GET
page only); the browser then keeps it in a cookie, that page (sent without a referrer) loads
the desk without the token at once, and the desk's forms post from the same origin (the desk
sends ``Referrer-Policy: same-origin``, so a browser sends our ``Origin`` with them)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from aiq_events.day.schemas import WalkInCreate
from aiq_events.day.service import DayService
from aiq_events.meetings.rules import when
from aiq_events.meetings.schemas import Meeting
from aiq_events.meetings.service import MeetingsService
from aiq_events.registrations.schemas import Registration
from aiq_events.rendering import NO_REFERRER, SAME_ORIGIN, form_of, page, refusal, seat_lines
from aiq_events.roles import STAFF
from aiq_events.rsvp.rules import first
from aiq_shared.auth import CurrentScope, signs_in_by_link
from aiq_shared.dates import german_datetime
from aiq_shared.errors import DomainError
from aiq_shared.scope import Scope

router = APIRouter()

DESK = "/events/{event_id}/check-in-desk"
STATUS_TEXT = {"confirmed": "angemeldet", "waitlisted": "Warteliste", "cancelled": "storniert"}


def _day(request: Request) -> DayService:
    return request.app.state.day


def _meetings(request: Request) -> MeetingsService:
    return request.app.state.meetings


async def _desk(
    request: Request,
    event_id: str,
    scope: Scope,
    *,
    query: str = "",
    status_code: int = 200,
    message: str | None = None,
    message_kind: str = "info",
    details: list[str] | None = None,
) -> HTMLResponse:
    day = _day(request)
    meeting = await _meetings(request).get_meeting(event_id, scope)
    checked_in, confirmed = await day.arrivals(event_id, scope)
    signing_in = "token" in request.query_params
    return page(
        "check_in_desk.html.j2",
        status_code,
        # signed in by a link: no referrer, and at once the desk without the token; signed
        # in: the forms must carry our origin (the cookie is honoured only with it)
        referrer_policy=NO_REFERRER if signing_in else SAME_ORIGIN,
        reload_to=_without_token(request) if signing_in else None,
        page_title=f"Einlass {meeting.title}",
        meeting=meeting,
        when=when(meeting),
        base=DESK.format(event_id=event_id),
        checked_in=checked_in,
        confirmed=confirmed,
        query=query,
        found=await day.search(event_id, query, scope) if query else [],
        status_text=STATUS_TEXT,
        districts=day.districts,
        message=message,
        message_kind=message_kind,
        details=details or [],
    )


def _without_token(request: Request) -> str:
    """The page's address without the ``token`` it was signed in with."""
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return request.url.path + (f"?{kept}" if kept else "")


def _arrived(meeting: Meeting, registration: Registration, again: bool) -> tuple[str, list[str]]:
    who = f"{registration.display_name} ({registration.district})"
    details = []
    if registration.seats > 1:
        details.append(f"Gruppe mit {registration.seats} Personen.")
    details += [f"Thementisch: {line}" for line in seat_lines(meeting, registration)]
    if again and registration.checked_in_at:
        since = german_datetime(registration.checked_in_at)
        return f"{who} war schon eingecheckt ({since}).", details
    return f"Willkommen: {who} ist eingecheckt.", details


async def _welcome(
    request: Request, event_id: str, scope: Scope, registration: Registration, again: bool
) -> HTMLResponse:
    meeting = await _meetings(request).get_meeting(event_id, scope)
    message, details = _arrived(meeting, registration, again)
    return await _desk(request, event_id, scope, message=message, message_kind="success",
                       details=details)  # fmt: skip


@router.get(
    DESK,
    dependencies=[STAFF],
    tags=["check-in"],
    response_class=HTMLResponse,
    include_in_schema=False,
)
@signs_in_by_link
async def check_in_desk(
    event_id: str,
    request: Request,
    scope: CurrentScope,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    return await _desk(request, event_id, scope, query=q.strip())


@router.post(
    DESK,
    dependencies=[STAFF],
    tags=["check-in"],
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def check_in_at_desk(event_id: str, request: Request, scope: CurrentScope) -> HTMLResponse:
    code = first(await form_of(request), "code")
    try:
        result = await _day(request).check_in(event_id, code, scope)
    except DomainError as error:
        if error.status == 404 and error.extra.get("reason") != "unknown_code":
            raise
        return await _desk(request, event_id, scope, status_code=error.status,
                           message=refusal(error), message_kind="refusal")  # fmt: skip
    return await _welcome(request, event_id, scope, result.registration, result.already_checked_in)


@router.post(
    DESK + "/walk-in",
    dependencies=[STAFF],
    tags=["check-in"],
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def walk_in_at_desk(event_id: str, request: Request, scope: CurrentScope) -> HTMLResponse:
    form = await form_of(request)
    fields = {
        name: first(form, name) or None
        for name in ("person_id", "first_name", "last_name", "district", "kind")
    }
    fields["kind"] = fields["kind"] or "guest"
    try:
        body = WalkInCreate.model_validate(fields)
    except ValueError:
        return await _desk(request, event_id, scope, status_code=422, message_kind="refusal",
                           message="Bitte Vor- und Nachname und Stadtbezirk angeben.")  # fmt: skip
    try:
        result = await _day(request).walk_in(event_id, body, scope)
    except DomainError as error:
        if error.status == 404:
            raise
        return await _desk(request, event_id, scope, status_code=error.status,
                           message=refusal(error), message_kind="refusal")  # fmt: skip
    return await _welcome(request, event_id, scope, result.registration, result.already_checked_in)
