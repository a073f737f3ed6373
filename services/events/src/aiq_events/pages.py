"""HTML pages: the public RSVP page behind an invitation's personal link, and the staff
check-in desk. German, no JavaScript, usable on a phone; every refusal is a page, never a 500.

Forms are plain ``application/x-www-form-urlencoded`` posts, read without extra packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from aiq_events import group_form, invitations
from aiq_events.domain import (
    BERLIN,
    Meeting,
    Registration,
    RegistrationCreate,
    TableChoice,
    WalkInCreate,
)
from aiq_events.german import agenda_lines, berlin_time, when
from aiq_events.invitations import ExpiredLink, Invitation
from aiq_events.service import EventsService
from aiq_shared.errors import DomainError

_environment = Environment(
    loader=PackageLoader("aiq_events", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",)),
    undefined=StrictUndefined,
)

# Why something was refused (``reason`` of the domain error), in words for the person.
REFUSALS = {
    "deadline_passed": "Die Anmeldefrist ist abgelaufen. Bitte wenden Sie sich an die "
    "Betriebsakquisiteurin oder den Betriebsakquisiteur in Ihrem Stadtbezirk.",
    "cancelled": "Das Treffen wurde leider abgesagt.",
    "closed": "Das Treffen ist bereits vorbei.",
    "not_open": "Die Anmeldung ist noch nicht geöffnet.",
    "registered_already": "Sie sind bereits angemeldet.",
    "unknown_person": "Wir finden Ihre Kontaktdaten nicht. Bitte wenden Sie sich an die "
    "Betriebsakquisiteurin oder den Betriebsakquisiteur in Ihrem Stadtbezirk.",
    "unknown_table": "Diesen Thementisch gibt es bei diesem Treffen nicht.",
    "table_twice": "Bitte vergeben Sie jede Wahl nur einmal.",
    "cancelled_already": "Ihre Anmeldung ist bereits storniert.",
    "cancelled_registration": "Ihre Anmeldung ist storniert. Melden Sie sich gern neu an.",
    "no_offer": "Für Sie ist gerade kein Platz zur Bestätigung frei.",
    "offer_expired": "Die Frist zur Bestätigung ist abgelaufen; der Platz ging an die nächste "
    "Person auf der Warteliste.",
    "no_seat": "Für diese Anmeldung gibt es keinen bestätigten Platz.",
    "unknown_code": "Diesen Code kennen wir für dieses Treffen nicht.",
    "registered_decline": "Sie sind für dieses Treffen angemeldet. Wenn Sie nicht kommen "
    "können, stornieren Sie bitte Ihre Anmeldung: Ihr Platz geht dann an die nächste Person "
    "auf der Warteliste.",
    **group_form.REFUSALS,
}
SOMETHING_WRONG = (
    "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal oder wenden Sie sich an "
    "die Betriebsakquisiteurin oder den Betriebsakquisiteur in Ihrem Stadtbezirk."
)
STATUS_TEXT = {"confirmed": "angemeldet", "waitlisted": "Warteliste", "cancelled": "storniert"}
OPEN = ("open", "declined")  # not registered (any more): may register


def refusal(error: DomainError) -> str:
    return REFUSALS.get(str(error.extra.get("reason")), SOMETHING_WRONG)


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("message", None)
    context.setdefault("message_kind", "info")
    context.setdefault("details", [])
    html = _environment.get_template(template).render(context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


async def form_of(request: Request) -> Mapping[str, list[str]]:
    body = await request.body()
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return {}


def first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()[:500]


router = APIRouter()
HTML = {"content": {"text/html": {}}}
# No length limit in the schema: a damaged link of any length gets the German page, not JSON.
Token = Annotated[str, Path(description="The token from the personal link")]


def _service(request: Request) -> EventsService:
    return request.app.state.events


# -- the RSVP page ---------------------------------------------------------------------------


def _seat_lines(meeting: Meeting, registration: Registration) -> list[str]:
    lines = []
    for seat in registration.table_seats:
        table = meeting.table(seat.topic_table_id)
        title = table.title if table else seat.topic_table_id
        prefix = f"Runde {seat.round}: " if meeting.round_count > 1 else ""
        state = "Platz sicher" if seat.status == "seated" else "Warteliste"
        lines.append(f"{prefix}{title} – {state}")
    if not registration.table_seats and registration.topic_table_ids:
        ranked = meeting.table_selection == "rank"
        for n, table_id in enumerate(registration.topic_table_ids, start=1):
            table = meeting.table(table_id)
            title = table.title if table else table_id
            lines.append(f"{n}. Wahl: {title}" if ranked else title)
    return lines


async def _rsvp_page(
    service: EventsService,
    invitation: Invitation,
    meeting: Meeting,
    *,
    status_code: int = 200,
    message: str | None = None,
    message_kind: str = "info",
    details: list[str] | None = None,
) -> HTMLResponse:
    registration = await service.registration_of(meeting.id, invitation.person_id)
    state = "open"
    if registration is not None and registration.status != "cancelled":
        state = registration.status
        if registration.offer_expires_at is not None:
            state = "offered"
    elif invitation.declined_at is not None:
        state = "declined"  # may still register, having changed their mind
    everyone_seated = await service.table_occupancy(meeting.id)
    wishes = registration.topic_table_ids if registration and state not in OPEN else []
    chosen: dict[str, int] | list[str]
    if meeting.table_selection == "rank":
        chosen = {table_id: n for n, table_id in enumerate(wishes, start=1)}
    else:
        chosen = list(wishes)
    open_now = meeting.status == "published" and not (
        meeting.registration_deadline and datetime.now(BERLIN) > meeting.registration_deadline
    )
    if message is None and meeting.status == "cancelled":
        message, message_kind = REFUSALS["cancelled"], "refusal"
    elif message is None and meeting.status == "published" and not open_now and state in OPEN:
        message, message_kind = REFUSALS["deadline_passed"], "refusal"
    return page(
        "rsvp.html.j2",
        status_code,
        page_title=meeting.title,
        meeting=meeting,
        name=invitation.display_name,
        when=when(meeting),
        deadline=berlin_time(meeting.registration_deadline)
        if meeting.registration_deadline
        else None,
        state=state,
        registration=registration,
        offer_until=berlin_time(registration.offer_expires_at)
        if registration and registration.offer_expires_at
        else None,
        seats=_seat_lines(meeting, registration) if registration and state not in OPEN else [],
        agenda=agenda_lines(meeting),
        group=await group_form.context(service, invitation, meeting) if state in OPEN else None,
        decline_href=invitations.decline_url(urlsplit(service.rsvp_url(invitation)).path),
        tables=[
            {
                "id": t.id,
                "title": t.title,
                "description": t.description,
                "capacity": t.capacity,
                "free": max(t.capacity - everyone_seated.get(t.id, 0), 0),
            }
            for t in meeting.topic_tables
        ],
        ranked=meeting.table_selection == "rank",
        chosen=chosen,
        can_choose=open_now,
        can_cancel=meeting.status == "published",
        message=message,
        message_kind=message_kind,
        details=details or [],
    )


def link_problem(_: Request, error: Exception) -> HTMLResponse:
    """The page for a personal link that is not (or no longer) one: the app's handler of
    :class:`InvalidLink`, wherever a page reads its link."""
    if isinstance(error, ExpiredLink):
        text = (
            "Dieser Link ist abgelaufen: das Treffen ist vorbei. Bei Fragen melden Sie sich gern "
            "bei der Betriebsakquisiteurin oder dem Betriebsakquisiteur in Ihrem Stadtbezirk."
        )
        return page("rsvp.html.j2", 410, page_title="Link abgelaufen", meeting=None,
                    message=text, message_kind="refusal")  # fmt: skip
    text = (
        "Dieser Link ist ungültig. Bitte verwenden Sie den Link aus Ihrer Einladung oder melden "
        "Sie sich bei der Betriebsakquisiteurin oder dem Betriebsakquisiteur in Ihrem Stadtbezirk."
    )
    return page("rsvp.html.j2", 400, page_title="Link ungültig", meeting=None,
                message=text, message_kind="refusal")  # fmt: skip


RSVP_RESPONSES = {
    400: {"description": "Invalid link (German page)", **HTML},
    409: {"description": "Refused: deadline passed, meeting cancelled, ... (German page)", **HTML},
    410: {"description": "The link has expired: the meeting is over (German page)", **HTML},
    422: {"description": "The form could not be used (German page)", **HTML},
}


@router.get(
    "/rsvp/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="The page behind an invitation's personal link: register, tables, cancel",
    responses=RSVP_RESPONSES,
)
async def rsvp_page(token: Token, request: Request) -> HTMLResponse:
    service = _service(request)
    invitation, meeting = await service.invitation_of_link(token)  # else link_problem
    return await _rsvp_page(service, invitation, meeting)


def _choice(meeting: Meeting, form: Mapping[str, list[str]]) -> list[str]:
    """The chosen tables (choose) or the ranking (rank) from the form."""
    if meeting.table_selection != "rank":
        return [t for t in form.get("table", []) if t][:20]
    ranks: list[tuple[int, str]] = []
    for table in meeting.topic_tables:
        value = first(form, f"rank_{table.id}")
        if value:
            if not value.isdigit():
                raise _FormProblem("table_twice")
            ranks.append((int(value), table.id))
    if len({rank for rank, _ in ranks}) != len(ranks):
        raise _FormProblem("table_twice")
    return [table_id for _, table_id in sorted(ranks)]


class _FormProblem(DomainError):
    status = 422
    title = "Unprocessable form"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, reason=reason)


def _outcome(meeting: Meeting, registration: Registration, action: str) -> tuple[str, list[str]]:
    if action == "cancel":
        return "Ihre Anmeldung ist storniert. Schade, dass Sie nicht kommen können.", []
    details = [
        f"An „{meeting.table(s.topic_table_id).title}“ ist kein Platz mehr frei: "  # type: ignore[union-attr]
        "Sie stehen dort auf der Warteliste."
        for s in registration.table_seats
        if s.status == "waitlisted" and meeting.table(s.topic_table_id)
    ]
    if registration.status == "waitlisted":
        return (
            "Das Treffen ist leider voll. Sie stehen auf der Warteliste; wir schreiben Ihnen, "
            "sobald ein Platz frei wird.",
            details,
        )
    if action == "change":
        return "Ihre Auswahl ist gespeichert.", details
    if action == "accept":
        return "Sie haben den Platz angenommen. Wir freuen uns auf Sie!", details
    return "Sie sind angemeldet. Wir freuen uns auf Sie! Die Bestätigung kommt per E-Mail.", details


@router.post(
    "/rsvp/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="Register, change the topic tables, accept a move-up or cancel (form post)",
    responses=RSVP_RESPONSES,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "action": {
                                "type": "string",
                                "enum": [
                                    "register",
                                    "register_group",
                                    "change",
                                    "cancel",
                                    "accept",
                                ],
                            },
                            "table": {"type": "array", "items": {"type": "string"}},
                            "student": {"type": "array", "items": {"type": "string"}},
                            "unnamed_students": {"type": "string"},
                        },
                    }
                }
            }
        }
    },
)
async def rsvp(token: Token, request: Request) -> HTMLResponse:
    service = _service(request)
    invitation, meeting = await service.invitation_of_link(token)  # else link_problem
    form = await form_of(request)
    action = first(form, "action") or "register"
    try:
        current = await service.registration_of(meeting.id, invitation.person_id)
        active = current if current is not None and current.status != "cancelled" else None
        if action == "cancel":
            if active is None:
                raise _FormProblem("cancelled_already")
            result = await service.cancel(meeting.id, active.id, by="person")
        elif action == "accept":
            if active is None:
                raise _FormProblem("no_offer")
            result = await service.accept_offer(meeting.id, active.id)
        elif action == "change" and active is not None:
            result = await service.change_tables(
                meeting.id, active.id, TableChoice(topic_table_ids=_choice(meeting, form))
            )
        elif action == "register_group":
            tables = _choice(meeting, form)
            result = await group_form.register(service, invitation, meeting, form, tables)
        elif action in ("register", "change"):
            result = await service.register(
                meeting.id,
                RegistrationCreate(
                    person_id=invitation.person_id, topic_table_ids=_choice(meeting, form)
                ),
                invitation_id=invitation.id,
            )
            action = "register"
        else:
            raise _FormProblem("unknown_action")
    except DomainError as error:
        return await _rsvp_page(
            service,
            invitation,
            meeting,
            status_code=error.status if error.status in (409, 422) else 409,
            message=refusal(error),
            message_kind="refusal",
        )
    message, details = _outcome(meeting, result, action)
    return await _rsvp_page(
        service, invitation, meeting, message=message, message_kind="success", details=details
    )


# -- the check-in desk (staff) ---------------------------------------------------------------

DESK = "/events/{event_id}/check-in-desk"


async def _desk(
    request: Request,
    event_id: str,
    *,
    query: str = "",
    status_code: int = 200,
    message: str | None = None,
    message_kind: str = "info",
    details: list[str] | None = None,
) -> HTMLResponse:
    service = _service(request)
    meeting = await service.get_meeting(event_id)
    counts = await service.check_in_counts(event_id)
    found = await service.search_registrations(event_id, query) if query else []
    return page(
        "check_in_desk.html.j2",
        status_code,
        page_title=f"Einlass {meeting.title}",
        meeting=meeting,
        when=when(meeting),
        base=DESK.format(event_id=event_id),
        checked_in=counts[0],
        confirmed=counts[1],
        query=query,
        found=found,
        status_text=STATUS_TEXT,
        districts=service.districts,
        message=message,
        message_kind=message_kind,
        details=details or [],
    )


def _arrived(meeting: Meeting, registration: Registration, again: bool) -> tuple[str, list[str]]:
    who = f"{registration.display_name} ({registration.district})"
    details = []
    if registration.seats > 1:
        details.append(f"Gruppe mit {registration.seats} Personen.")
    details += [f"Thementisch: {line}" for line in _seat_lines(meeting, registration)]
    if again and registration.checked_in_at:
        return f"{who} war schon eingecheckt ({berlin_time(registration.checked_in_at)}).", details
    return f"Willkommen: {who} ist eingecheckt.", details


@router.get(DESK, tags=["check-in"], response_class=HTMLResponse, include_in_schema=False)
async def check_in_desk(
    event_id: str, request: Request, q: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    return await _desk(request, event_id, query=q.strip())


@router.post(DESK, tags=["check-in"], response_class=HTMLResponse, include_in_schema=False)
async def check_in_at_desk(event_id: str, request: Request) -> HTMLResponse:
    code = first(await form_of(request), "code")
    try:
        result = await _service(request).check_in(event_id, code)
    except DomainError as error:
        if error.status == 404 and error.extra.get("reason") != "unknown_code":
            raise
        text = REFUSALS.get(str(error.extra.get("reason")), SOMETHING_WRONG)
        return await _desk(request, event_id, status_code=error.status, message=text,
                           message_kind="refusal")  # fmt: skip
    meeting = await _service(request).get_meeting(event_id)
    message, details = _arrived(meeting, result.registration, result.already_checked_in)
    return await _desk(request, event_id, message=message, message_kind="success",
                       details=details)  # fmt: skip


@router.post(
    DESK + "/walk-in", tags=["check-in"], response_class=HTMLResponse, include_in_schema=False
)
async def walk_in_at_desk(event_id: str, request: Request) -> HTMLResponse:
    form = await form_of(request)
    fields = {
        name: first(form, name) or None
        for name in ("person_id", "first_name", "last_name", "district", "kind")
    }
    fields["kind"] = fields["kind"] or "guest"
    try:
        body = WalkInCreate.model_validate(fields)
    except ValueError:
        return await _desk(request, event_id, status_code=422, message_kind="refusal",
                           message="Bitte Vor- und Nachname und Stadtbezirk angeben.")  # fmt: skip
    try:
        result = await _service(request).walk_in(event_id, body)
    except DomainError as error:
        if error.status == 404:
            raise
        return await _desk(request, event_id, status_code=error.status, message=refusal(error),
                           message_kind="refusal")  # fmt: skip
    meeting = await _service(request).get_meeting(event_id)
    message, details = _arrived(meeting, result.registration, result.already_checked_in)
    return await _desk(request, event_id, message=message, message_kind="success",
                       details=details)  # fmt: skip
