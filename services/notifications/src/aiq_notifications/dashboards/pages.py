"""The district dashboards as web pages, updated live by Server-Sent Events.

``GET /dashboard`` is the city overview, ``GET /dashboard/{district}`` a district's page;
each page opens ``.../live``, a stream that sends the page's live part again (as HTML)
whenever its numbers move: woken within milliseconds by a commit in this process, and
looking again every few seconds for changes made by other replicas. The JSON behind the
pages is ``/dashboards/...`` (routes.py). Officers see their districts, coordinators all.

A link with ``?token=<JWT>`` signs a browser in: the token goes into an HttpOnly cookie
(used for GET requests only) and the page reloads without it in the address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from aiq_notifications.dashboards.changes import DashboardChanges
from aiq_notifications.dashboards.routes import DashboardsDep, District, districts_of
from aiq_notifications.dashboards.rules import chart
from aiq_notifications.dashboards.service import Dashboards
from aiq_notifications.deliveries.emails import render_page
from aiq_notifications.web.static import static_url
from aiq_shared.auth import CurrentPrincipal, CurrentScope, Principal, signs_in_by_link
from aiq_shared.scope import Scope

LOOK_AGAIN_S = 3.0  # for changes committed by another replica

# Pages for people, not an API: left out of the OpenAPI document (the JSON is in routes.py).
router = APIRouter(tags=["pages"], include_in_schema=False)


def _sign_in(request: Request) -> Response | None:
    """A ``?token=`` link: show the page again without the token in the address."""
    token = request.query_params.get("token")
    if token is None:
        return None
    # the browser keeps the token in a cookie (aiq_shared.auth.keep_signed_in)
    return RedirectResponse(str(request.url.remove_query_params("token")), status_code=303)


async def _district_live(dashboards: Dashboards, scope: Scope, district: str) -> str:
    dashboard = (await dashboards.district_dashboard(scope, district, upcoming=True)).answer
    return render_page("_dashboard_live.html.j2", events=dashboard.events, chart=chart)


async def _city_live(dashboards: Dashboards, scope: Scope, districts: list[str]) -> str:
    overview = (await dashboards.city_overview(scope, districts, upcoming=True)).answer
    return render_page(
        "_dashboard_live.html.j2",
        events=overview.events,
        districts=overview.districts,
        chart=chart,
    )


def _page(
    request: Request, principal: Principal, title: str, live: str, stream: str, **extra: object
) -> HTMLResponse:
    return HTMLResponse(
        render_page(
            "dashboard.html.j2",
            title=title,
            live=live,
            stream_url=stream,
            principal=principal,
            districts=principal.scope.visible(districts_of(request)),
            quote=quote,
            static_url=lambda name: static_url(request, name),
            **extra,
        )
    )


@router.get("/dashboard", response_class=HTMLResponse, summary="City overview page (live)")
@signs_in_by_link
async def city_page(
    request: Request, dashboards: DashboardsDep, principal: CurrentPrincipal
) -> Response:
    if (signed_in := _sign_in(request)) is not None:
        return signed_in
    live = await _city_live(dashboards, principal.scope, districts_of(request))
    return _page(request, principal, "Stadtübersicht", live, "/dashboard/live", city=True)


@router.get(
    "/dashboard/live",
    response_class=EventSourceResponse,
    summary="Live updates of the city overview page (HTML fragments)",
)
async def city_live(
    request: Request, dashboards: DashboardsDep, scope: CurrentScope
) -> AsyncIterator[ServerSentEvent]:
    districts = districts_of(request)
    async for event in _updates(request, lambda: _city_live(dashboards, scope, districts)):
        yield event


@router.get(
    "/dashboard/{district}", response_class=HTMLResponse, summary="A district's page (live)"
)
@signs_in_by_link
async def district_page(
    district: District, request: Request, dashboards: DashboardsDep, principal: CurrentPrincipal
) -> Response:
    if (signed_in := _sign_in(request)) is not None:
        return signed_in
    live = await _district_live(dashboards, principal.scope, district)
    return _page(
        request,
        principal,
        f"Stadtbezirk {district}",
        live,
        f"/dashboard/{quote(district)}/live",
        current=district,
    )


@router.get(
    "/dashboard/{district}/live",
    response_class=EventSourceResponse,
    summary="Live updates of a district's page (HTML fragments)",
)
async def district_live(
    district: District, request: Request, dashboards: DashboardsDep, scope: CurrentScope
) -> AsyncIterator[ServerSentEvent]:
    async for event in _updates(request, lambda: _district_live(dashboards, scope, district)):
        yield event


async def _updates(
    request: Request, render: Callable[[], Awaitable[str]]
) -> AsyncIterator[ServerSentEvent]:
    """The live part again whenever it changed; nothing while it stays the same."""
    changes: DashboardChanges = request.app.state.dashboard_changes
    shown = None
    while not await request.is_disconnected():
        html = await render()
        if html != shown:
            yield ServerSentEvent(event="update", raw_data=html, retry=2000)
            shown = html
        await changes.wait(LOOK_AGAIN_S)
