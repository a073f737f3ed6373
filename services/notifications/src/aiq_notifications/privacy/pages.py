"""The public pages behind an email's links: unsubscribe (also RFC 8058 one-click from mail
programs) and double opt-in. Each asks before it acts (GET shows, POST does).

Open without a token (``@public``: the link's signed claims are the permission, typed before
they reach a query), rate-limited per client address (429 with ``Retry-After``), with the
security headers of every page here (``aiq_notifications.web``: among them
``Referrer-Policy: no-referrer``, since the token is in the address). A consent link is
spent once confirmed: it then answers 410 and confirms nothing again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from aiq_notifications.deliveries.emails import render_page
from aiq_notifications.deliveries.rules import PURPOSES
from aiq_notifications.privacy.rules import ConsentRequest
from aiq_notifications.privacy.service import Privacy
from aiq_notifications.web.static import static_url
from aiq_shared.auth import public
from aiq_shared.ratelimit import rate_limited


async def _privacy(request: Request) -> Privacy:
    return request.app.state.privacy


PrivacyDep = Annotated[Privacy, Depends(_privacy)]
PAGE = {"content": {"text/html": {}}}
INVALID = {400: {"description": "Invalid or expired link", **PAGE}}
SPENT = {410: {"description": "The link was used already (or its person erased)", **PAGE}}
LIMITED = [Depends(rate_limited)]

router = APIRouter()


def _page(request: Request, template: str, status_code: int, **context: object) -> HTMLResponse:
    css = static_url(request, "page.css")
    return HTMLResponse(render_page(template, static_url=css, **context), status_code=status_code)


def _unsubscribe_page(request: Request, state: str, status_code: int = 200) -> HTMLResponse:
    return _page(request, "unsubscribe.html.j2", status_code, state=state)


@router.get(
    "/unsubscribe/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="The page behind an email's unsubscribe link (asks before it acts)",
    responses=INVALID,
    dependencies=LIMITED,
)
@public
async def unsubscribe_page(token: str, privacy: PrivacyDep, request: Request) -> HTMLResponse:
    if privacy.unsubscribe_link(token) is None:
        return _unsubscribe_page(request, "invalid", status_code=400)
    return _unsubscribe_page(request, "ask")


@router.post(
    "/unsubscribe/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="Unsubscribe from invitations (also RFC 8058 one-click from mail programs)",
    responses=INVALID,
    dependencies=LIMITED,
)
@public
async def unsubscribe(token: str, privacy: PrivacyDep, request: Request) -> HTMLResponse:
    link = privacy.unsubscribe_link(token)
    if link is None:
        return _unsubscribe_page(request, "invalid", status_code=400)
    await privacy.unsubscribe(link)
    return _unsubscribe_page(request, "done")


def _consent_page(
    request: Request, state: str, link: ConsentRequest | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {}
    if link is not None:
        context = {"purpose_text": PURPOSES[link.purpose], "text_version": link.text_version}
    return _page(request, "consent.html.j2", status_code, state=state, **context)


@router.get(
    "/consent/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="The page behind a double opt-in email's link (asks before it records)",
    responses={**INVALID, **SPENT},
    dependencies=LIMITED,
)
@public
async def consent_page(token: str, privacy: PrivacyDep, request: Request) -> HTMLResponse:
    link = privacy.consent_link(token)
    if link is None:
        return _consent_page(request, "invalid", status_code=400)
    if await privacy.consent_link_state(link) == "spent":
        return _consent_page(request, "spent", status_code=410)
    return _consent_page(request, "ask", link)


@router.post(
    "/consent/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="Confirm a consent (double opt-in), once; contacts records it from the event",
    responses={**INVALID, **SPENT},
    dependencies=LIMITED,
)
@public
async def confirm_consent(token: str, privacy: PrivacyDep, request: Request) -> HTMLResponse:
    link = privacy.consent_link(token)
    if link is None:
        return _consent_page(request, "invalid", status_code=400)
    if not await privacy.confirm(link):
        return _consent_page(request, "spent", status_code=410)
    return _consent_page(request, "done", link)
