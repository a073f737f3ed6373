"""HTTP routes of the dashboards (JSON): a district's meetings and the city overview.
Officers see their districts, coordinators and admins all (the caller's scope goes into the
query). Another district's dashboard is a 403, not a 404: the districts are no secret (an
unknown one's 404 lists them), so there is nothing to hide by pretending it isn't there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from aiq_notifications.dashboards.schemas import CityOverview, DistrictDashboard
from aiq_notifications.dashboards.service import Dashboards
from aiq_shared.auth import CurrentPrincipal, CurrentScope
from aiq_shared.errors import NotFound


async def dashboards_of(request: Request) -> Dashboards:
    return request.app.state.dashboards


def districts_of(request: Request) -> list[str]:
    return request.app.state.runtime.settings.districts


async def visible_district(
    district: Annotated[str, Path(max_length=80)], request: Request, principal: CurrentPrincipal
) -> str:
    """A known district the caller may see (checked before a page or its stream begins)."""
    districts = districts_of(request)
    if district not in districts:
        raise NotFound(f"no district {district!r}", known_districts=districts)
    principal.require_district(district)
    return district


DashboardsDep = Annotated[Dashboards, Depends(dashboards_of)]
District = Annotated[str, Depends(visible_district)]
Upcoming = Annotated[
    bool, Query(description="Only meetings from today on (Berlin time); default: all")
]

router = APIRouter()


@router.get(
    "/dashboards/districts/{district}",
    tags=["dashboards"],
    summary="A district's meetings: invited, registered, waitlisted, checked in, partners, "
    "registrations over time, topic tables by interest, deliveries",
    responses={403: {"description": "An officer asked for another district"}},
    response_model=DistrictDashboard,
)
async def district_dashboard(
    district: District, dashboards: DashboardsDep, scope: CurrentScope, upcoming: Upcoming = False
) -> Response:
    kept = await dashboards.district_dashboard(scope, district, upcoming)
    return Response(kept.json, media_type="application/json")


@router.get(
    "/dashboards/city",
    tags=["dashboards"],
    summary="City overview: per district and per meeting, over the districts you may see",
    response_model=CityOverview,
)
async def city_dashboard(
    dashboards: DashboardsDep, scope: CurrentScope, request: Request, upcoming: Upcoming = False
) -> Response:
    kept = await dashboards.city_overview(scope, districts_of(request), upcoming)
    return Response(kept.json, media_type="application/json")
