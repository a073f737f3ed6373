"""The public pages behind an invitation's personal links: the RSVP page (register, choose or
rank topic tables, a teacher's school group, change, cancel, accept a move-up) and the decline
page (``/rsvp/{token}/absagen``: it asks first, then records the no, once; reminders stop).
German, no JavaScript, usable on a phone; every refusal is a page, never a 500.

The pages render and call: what a form asks is decided by ``rsvp.rules.decide``. They are
open without a token (``@public``): the personal link is the key, to its own invitation only
(every district: the scope of a link is its invitation). Each page is rate-limited per client
address (``PUBLIC_PAGES_PER_MINUTE``), and what it changes is the link's in the audit trail and
in the events it causes (actor ``link:rsvp``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from aiq_events.directory.service import Directory
from aiq_events.invitations.answers import Answers
from aiq_events.invitations.links import DECLINE_PATH, PersonalLinks
from aiq_events.invitations.schemas import Invitation
from aiq_events.invitations.service import InvitationsService
from aiq_events.meetings.rules import when
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration, RegistrationCreate, TableChoice
from aiq_events.registrations.service import RegistrationsService
from aiq_events.rendering import HTML, REFUSALS, form_of, page, refusal, seat_lines
from aiq_events.rsvp import rules
from aiq_events.rsvp.rules import OPEN, Action, Form
from aiq_shared.auth import public
from aiq_shared.dates import german_datetime
from aiq_shared.envelope import Actor, current_actor
from aiq_shared.errors import DomainError
from aiq_shared.links import ExpiredLink
from aiq_shared.ratelimit import rate_limited
from aiq_shared.scope import EVERYTHING

router = APIRouter()
LINK_ACTOR = Actor(subject="link:rsvp")


async def _by_the_link(_: Request) -> None:
    """What a personal link changes is the link's (audit trail, the events' actor)."""
    current_actor.set(LINK_ACTOR)


# The dependencies of every page behind a personal link.
BEHIND_A_LINK = [Depends(rate_limited), Depends(_by_the_link)]
# No length limit in the schema: a damaged link of any length gets the German page, not JSON.
Token = Annotated[str, Path(description="The token from the personal link")]


def _invitations(request: Request) -> InvitationsService:
    return request.app.state.invitations


def _registrations(request: Request) -> RegistrationsService:
    return request.app.state.registrations


def _links(request: Request) -> PersonalLinks:
    return request.app.state.links


# -- the RSVP page ---------------------------------------------------------------------------


async def _group_form(
    request: Request, invitation: Invitation, meeting: Meeting
) -> dict[str, object] | None:
    """What the group form shows, or None when the invitee is no teacher."""
    directory: Directory = request.app.state.directory
    teacher = await directory.teacher(invitation.person_id)
    if teacher is None:
        return None
    students = await _registrations(request).students_for(teacher, meeting.id)
    return {"students": [{"id": s.id, "name": s.display_name} for s in students]}


async def _rsvp_page(
    request: Request,
    invitation: Invitation,
    meeting: Meeting,
    *,
    status_code: int = 200,
    message: str | None = None,
    message_kind: str = "info",
    details: list[str] | None = None,
) -> HTMLResponse:
    registrations = _registrations(request)
    now = request.app.state.runtime.clock.now()
    registration = await registrations.registration_of(meeting.id, invitation.person_id)
    state = rules.state_of(invitation, registration)
    seated = await registrations.table_occupancy(meeting.id)
    reason = rules.notice(meeting, state, now)
    if message is None and reason is not None:
        message, message_kind = REFUSALS[reason], "refusal"
    deadline = meeting.registration_deadline
    offer_until = registration.offer_expires_at if registration else None
    return page(
        "rsvp.html.j2",
        status_code,
        page_title=meeting.title,
        meeting=meeting,
        name=invitation.display_name,
        when=when(meeting),
        deadline=german_datetime(deadline) if deadline else None,
        state=state,
        registration=registration,
        offer_until=german_datetime(offer_until) if offer_until else None,
        seats=seat_lines(meeting, registration) if registration and state not in OPEN else [],
        agenda=rules.agenda_lines(meeting),
        group=await _group_form(request, invitation, meeting) if state in OPEN else None,
        decline_href=_links(request).decline_path(invitation),
        tables=[
            {
                "id": t.id,
                "title": t.title,
                "description": t.description,
                "capacity": t.capacity,
                "free": max(t.capacity - seated.get(t.id, 0), 0),
            }
            for t in meeting.topic_tables
        ],
        ranked=meeting.table_selection == "rank",
        chosen=rules.chosen(meeting, registration, state),
        can_choose=rules.registration_open(meeting, now),
        can_cancel=meeting.status == "published",
        message=message,
        message_kind=message_kind,
        details=details or [],
    )


def link_problem(_: Request, error: Exception) -> HTMLResponse:
    """The page for a personal link that is not (or no longer) one: the app's handler of
    :class:`~aiq_shared.links.InvalidLink`, wherever a page reads its link."""
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
    429: {
        "description": "Too many calls from this address a minute (problem+json)",
        "content": {"application/problem+json": {}},
        "headers": {"Retry-After": {"description": "Seconds", "schema": {"type": "integer"}}},
    },
}


@router.get(
    "/rsvp/{token}",
    tags=["public"],
    dependencies=BEHIND_A_LINK,
    response_class=HTMLResponse,
    summary="The page behind an invitation's personal link: register, tables, cancel",
    responses=RSVP_RESPONSES,
)
@public
async def rsvp_page(token: Token, request: Request) -> HTMLResponse:
    invitation, meeting = await _invitations(request).invitation_of_link(token)
    return await _rsvp_page(request, invitation, meeting)


async def _act(
    request: Request, invitation: Invitation, meeting: Meeting, action: Action, form: Form
) -> Registration:
    """Do what the form asked (``rules.decide``)."""
    registrations = _registrations(request)
    tables = action.topic_table_ids
    match action.kind:
        case "cancel":
            return await registrations.cancel(
                meeting.id, action.registration_id or "", EVERYTHING, by="person"
            )
        case "accept":
            return await registrations.accept_offer(
                meeting.id, action.registration_id or "", EVERYTHING
            )
        case "change":
            choice = TableChoice(topic_table_ids=tables)
            return await registrations.change_tables(
                meeting.id, action.registration_id or "", choice, EVERYTHING
            )
        case "register_group":
            directory: Directory = request.app.state.directory
            teacher = await directory.teacher(invitation.person_id)
            allowed = await registrations.students_for(teacher, meeting.id) if teacher else []
            group = rules.group_from_form(teacher, {s.id for s in allowed}, form, tables)
            return await registrations.register_group(
                meeting.id, group, EVERYTHING, invitation_id=invitation.id
            )
        case _:
            wanted = RegistrationCreate(person_id=invitation.person_id, topic_table_ids=tables)
            return await registrations.register(
                meeting.id, wanted, EVERYTHING, invitation_id=invitation.id
            )


@router.post(
    "/rsvp/{token}",
    tags=["public"],
    dependencies=BEHIND_A_LINK,
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
@public
async def rsvp(token: Token, request: Request) -> HTMLResponse:
    invitation, meeting = await _invitations(request).invitation_of_link(token)
    form = await form_of(request)
    try:
        current = await _registrations(request).registration_of(meeting.id, invitation.person_id)
        action = rules.decide(meeting, current, form)
        result = await _act(request, invitation, meeting, action, form)
    except DomainError as error:
        return await _rsvp_page(
            request,
            invitation,
            meeting,
            status_code=error.status if error.status in (409, 422) else 409,
            message=refusal(error),
            message_kind="refusal",
        )
    message, details = rules.done(meeting, result, action.kind)
    return await _rsvp_page(
        request, invitation, meeting, message=message, message_kind="success", details=details
    )


# -- the decline page ------------------------------------------------------------------------

DECLINE = f"/rsvp/{{token}}/{DECLINE_PATH}"
DECLINE_TEXTS = {
    "ask": "Schade, dass Sie nicht dabei sein können. Bitte bestätigen Sie Ihre Absage; wir "
    "erinnern Sie dann nicht mehr an dieses Treffen.",
    "declined": "Danke für Ihre Rückmeldung. Schade, dass Sie nicht dabei sein können. Wir "
    "erinnern Sie nicht mehr an dieses Treffen. Falls es doch klappt, können Sie sich über "
    "Ihren Link weiterhin anmelden.",
    "declined_before": "Sie haben bereits abgesagt. Falls es doch klappt, können Sie sich über "
    "Ihren Link weiterhin anmelden.",
    **{reason: REFUSALS[reason] for reason in ("registered_decline", "cancelled", "closed")},
}


async def _decline_page(
    request: Request,
    invitation: Invitation,
    meeting: Meeting,
    *,
    status_code: int = 200,
    text: str,
    kind: str = "info",
    ask: bool = False,
) -> HTMLResponse:
    registration = await _registrations(request).registration_of(meeting.id, invitation.person_id)
    registered = rules.registered(meeting, registration)
    return page(
        "decline.html.j2",
        status_code,
        page_title=f"Absage: {meeting.title}",
        meeting=meeting,
        name=invitation.display_name,
        when=when(meeting),
        rsvp_path=_links(request).rsvp_path(invitation),
        ask=ask and not registered,
        registered=registered,
        message=text,
        message_kind=kind,
    )


@router.get(
    DECLINE,
    tags=["public"],
    dependencies=BEHIND_A_LINK,
    response_class=HTMLResponse,
    summary="The page behind an invitation's decline link: asks whether to say no",
    responses=RSVP_RESPONSES,
)
@public
async def decline_page(token: Token, request: Request) -> HTMLResponse:
    invitation, meeting = await _invitations(request).invitation_of_link(token)
    registration = await _registrations(request).registration_of(meeting.id, invitation.person_id)
    state = rules.decline_state(meeting, invitation, registration)
    return await _decline_page(
        request, invitation, meeting, text=DECLINE_TEXTS[state], ask=state == "ask",
        kind="refusal" if state in ("cancelled", "closed") else "info",
    )  # fmt: skip


@router.post(
    DECLINE,
    tags=["public"],
    dependencies=BEHIND_A_LINK,
    response_class=HTMLResponse,
    summary="Say no to an invitation (once; no reminders after it)",
    responses=RSVP_RESPONSES,
)
@public
async def decline(token: Token, request: Request) -> HTMLResponse:
    invitation, meeting = await _invitations(request).invitation_of_link(token)
    answers: Answers = request.app.state.answers
    try:
        fresh = await answers.decline(invitation)
    except DomainError as error:
        reason = str(error.extra.get("reason"))
        return await _decline_page(
            request, invitation, meeting, status_code=409, kind="refusal",
            text=DECLINE_TEXTS.get(reason, DECLINE_TEXTS["registered_decline"]),
        )  # fmt: skip
    text = DECLINE_TEXTS["declined"] if fresh else DECLINE_TEXTS["declined_before"]
    return await _decline_page(request, invitation, meeting, text=text, kind="success")
