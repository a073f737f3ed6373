"""HTTP routes of the notifications service: deliveries and district dashboards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from aiq_notifications import previews
from aiq_notifications.campaigns import Campaigns
from aiq_notifications.dashboards import CityOverview, DistrictDashboard
from aiq_notifications.domain import CampaignProgress, Delivery, DeliveryKind, DeliveryState
from aiq_notifications.messages import PURPOSES, render_page
from aiq_notifications.previews import TemplatePreview
from aiq_notifications.privacy import Privacy
from aiq_notifications.service import AddressHold, NotificationsService
from aiq_shared.auth import CurrentPrincipal
from aiq_shared.errors import NotFound
from aiq_shared.pagination import Page, PageParams, page_params


def _service(request: Request) -> NotificationsService:
    return request.app.state.notifications


def _campaigns(request: Request) -> Campaigns:
    return request.app.state.campaigns


def _privacy(request: Request) -> Privacy:
    return request.app.state.privacy


Service = Annotated[NotificationsService, Depends(_service)]
PrivacyDep = Annotated[Privacy, Depends(_privacy)]
CampaignsDep = Annotated[Campaigns, Depends(_campaigns)]
Paging = Annotated[PageParams, Depends(page_params)]


def hold_page_params(
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=320, description="`next_cursor`")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)  # keyed by address, not by ObjectId


HoldPaging = Annotated[PageParams, Depends(hold_page_params)]
Id = Annotated[str | None, Query(max_length=64)]

router = APIRouter()


@router.get("/deliveries", tags=["deliveries"], summary="Emails sent or on their way")
async def list_deliveries(
    service: Service,
    paging: Paging,
    event_id: Annotated[str | None, Query(max_length=64, description="Meeting id")] = None,
    person_id: Id = None,
    kind: DeliveryKind | None = None,
    state: DeliveryState | None = None,
) -> Page[Delivery]:
    return await service.list_deliveries(paging, event_id, person_id, kind, state)


@router.get(
    "/campaigns",
    tags=["campaigns"],
    summary="Invitation campaigns and their progress (sent, pending, failed, skipped)",
)
async def list_campaigns(
    campaigns: CampaignsDep,
    paging: Paging,
    event_id: Annotated[str | None, Query(max_length=64, description="Meeting id")] = None,
) -> Page[CampaignProgress]:
    return await campaigns.list(paging, event_id)


@router.get(
    "/campaigns/{campaign_id}",
    tags=["campaigns"],
    summary="One campaign's progress, counted from its deliveries (poll it while it runs)",
)
async def campaign_progress(
    campaign_id: Annotated[str, Path(max_length=64)], campaigns: CampaignsDep
) -> CampaignProgress:
    return await campaigns.progress(campaign_id)


Upcoming = Annotated[
    bool, Query(description="Only meetings from today on (Berlin time); default: all")
]


@router.get(
    "/dashboards/districts/{district}",
    tags=["dashboards"],
    summary="A district's meetings: invited, registered, waitlisted, checked in, partners, "
    "registrations over time, topic tables by interest, deliveries",
    responses={403: {"description": "An officer asked for another district"}},
)
async def district_dashboard(
    district: Annotated[str, Path(max_length=80)],
    service: Service,
    principal: CurrentPrincipal,
    request: Request,
    upcoming: Upcoming = False,
) -> DistrictDashboard:
    districts = request.app.state.runtime.settings.districts
    if district not in districts:
        raise NotFound(f"no district {district!r}", known_districts=districts)
    principal.require_district(district)
    return await service.district_dashboard(district, upcoming)


@router.get(
    "/dashboards/city",
    tags=["dashboards"],
    summary="City overview: per district and per meeting, over the districts you may see",
)
async def city_dashboard(
    service: Service, principal: CurrentPrincipal, request: Request, upcoming: Upcoming = False
) -> CityOverview:
    districts = principal.visible(request.app.state.runtime.settings.districts)
    return await service.city_overview(districts, upcoming)


@router.get(
    "/address-holds",
    tags=["deliveries"],
    summary="Addresses that refused emails permanently, and whether they are on hold",
)
async def address_holds(service: Service, paging: HoldPaging) -> Page[AddressHold]:
    return await service.address_holds(paging)


@router.delete(
    "/address-holds/{email}",
    tags=["deliveries"],
    status_code=204,
    summary="Lift the hold on an address (after it was corrected, say)",
)
async def lift_address_hold(email: Annotated[str, Path(max_length=320)], service: Service) -> None:
    await service.lift_hold(email)


class TemplateList(BaseModel):
    version: str
    kinds: list[str]


@router.get("/templates", tags=["templates"], summary="The emails there are, and their version")
async def list_templates() -> TemplateList:
    return TemplateList(version=previews.version(), kinds=previews.kinds())


@router.get(
    "/templates/{kind}/preview",
    tags=["templates"],
    summary="An email with sample data (subject, text and HTML), as recipients see it",
)
async def preview_template(
    kind: Annotated[str, Path(max_length=40)], request: Request
) -> TemplatePreview:
    settings = request.app.state.runtime.settings
    shown = previews.preview(kind, settings.message_id_domain)
    if shown is None:
        raise NotFound(f"no email {kind!r}; there are: {', '.join(previews.kinds())}")
    return shown


PAGE = {"content": {"text/html": {}}}


@router.get(
    "/unsubscribe/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="The page behind an email's unsubscribe link (asks before it acts)",
    responses={400: {"description": "Invalid or expired link", **PAGE}},
)
async def unsubscribe_page(token: str, service: Service) -> HTMLResponse:
    if service.person_of_link(token) is None:
        return HTMLResponse(render_page("unsubscribe.html.j2", state="invalid"), status_code=400)
    return HTMLResponse(render_page("unsubscribe.html.j2", state="ask"))


@router.post(
    "/unsubscribe/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="Unsubscribe from invitations (also RFC 8058 one-click from mail programs)",
    responses={400: {"description": "Invalid or expired link", **PAGE}},
)
async def unsubscribe(token: str, service: Service) -> HTMLResponse:
    person_id = service.person_of_link(token)
    if person_id is None:
        return HTMLResponse(render_page("unsubscribe.html.j2", state="invalid"), status_code=400)
    await service.unsubscribe(person_id)
    return HTMLResponse(render_page("unsubscribe.html.j2", state="done"))


def _consent_page(state: str, request=None, status_code: int = 200) -> HTMLResponse:  # type: ignore[no-untyped-def]
    context = {}
    if request is not None:
        context = {"purpose_text": PURPOSES[request.purpose], "text_version": request.text_version}
    return HTMLResponse(
        render_page("consent.html.j2", state=state, **context), status_code=status_code
    )


@router.get(
    "/consent/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="The page behind a double opt-in email's link (asks before it records)",
    responses={400: {"description": "Invalid or expired link", **PAGE}},
)
async def consent_page(token: str, privacy: PrivacyDep) -> HTMLResponse:
    request = privacy.request_of_link(token)
    if request is None:
        return _consent_page("invalid", status_code=400)
    return _consent_page("ask", request)


@router.post(
    "/consent/{token}",
    tags=["public"],
    response_class=HTMLResponse,
    summary="Confirm a consent (double opt-in); contacts records it from the event",
    responses={400: {"description": "Invalid or expired link", **PAGE}},
)
async def confirm_consent(token: str, privacy: PrivacyDep) -> HTMLResponse:
    request = privacy.request_of_link(token)
    if request is None:
        return _consent_page("invalid", status_code=400)
    await privacy.confirm(request)
    return _consent_page("done", request)
