"""The page behind an invitation's decline link (``/rsvp/{token}/absagen``): it asks first
(GET), then records the no (POST), once. Reminders stop after it. Someone registered is asked
to cancel the registration instead, with the button for it on the same page. German, no
JavaScript; every refusal is a page, never a 500.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from aiq_events.invitations import DECLINE_PATH, Invitation
from aiq_events.pages import REFUSALS, RSVP_RESPONSES, Token, page, when
from aiq_events.service import EventsService
from aiq_shared.errors import DomainError

router = APIRouter()


def _service(request: Request) -> EventsService:
    return request.app.state.events


PATH = f"/rsvp/{{token}}/{DECLINE_PATH}"
TEXTS = {
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
    service: EventsService,
    invitation: Invitation,
    *,
    status_code: int = 200,
    text: str,
    kind: str = "info",
    ask: bool = False,
) -> HTMLResponse:
    meeting = await service.get_meeting(invitation.meeting_id)
    registration = await service.registration_of(meeting.id, invitation.person_id)
    registered = (
        registration is not None
        and registration.status != "cancelled"
        and meeting.status == "published"
    )
    return page(
        "decline.html.j2",
        status_code,
        page_title=f"Absage: {meeting.title}",
        meeting=meeting,
        name=invitation.display_name,
        when=when(meeting),
        rsvp_path=urlsplit(service.rsvp_url(invitation)).path,
        ask=ask and not registered,
        registered=registered,
        message=text,
        message_kind=kind,
    )


async def _state(service: EventsService, invitation: Invitation) -> str:
    """What the page says before anything is done."""
    meeting = await service.get_meeting(invitation.meeting_id)
    if meeting.status in ("cancelled", "closed"):
        return meeting.status
    registration = await service.registration_of(meeting.id, invitation.person_id)
    if registration is not None and registration.status != "cancelled":
        return "registered_decline"
    return "declined_before" if invitation.declined_at else "ask"


@router.get(
    PATH,
    tags=["public"],
    response_class=HTMLResponse,
    summary="The page behind an invitation's decline link: asks whether to say no",
    responses=RSVP_RESPONSES,
)
async def decline_page(token: Token, request: Request) -> HTMLResponse:
    service = _service(request)
    invitation, _ = await service.invitation_of_link(token)  # else pages.link_problem
    state = await _state(service, invitation)
    return await _decline_page(
        service, invitation, text=TEXTS[state], ask=state == "ask",
        kind="refusal" if state in ("cancelled", "closed") else "info",
    )  # fmt: skip


@router.post(
    PATH,
    tags=["public"],
    response_class=HTMLResponse,
    summary="Say no to an invitation (once; no reminders after it)",
    responses=RSVP_RESPONSES,
)
async def decline(token: Token, request: Request) -> HTMLResponse:
    service = _service(request)
    invitation, _ = await service.invitation_of_link(token)  # else pages.link_problem
    try:
        fresh = await service.declines.decline(invitation)
    except DomainError as error:
        reason = str(error.extra.get("reason"))
        return await _decline_page(
            service, invitation, status_code=409, kind="refusal",
            text=TEXTS.get(reason, TEXTS["registered_decline"]),
        )  # fmt: skip
    text = TEXTS["declined"] if fresh else TEXTS["declined_before"]
    return await _decline_page(service, invitation, text=text, kind="success")
