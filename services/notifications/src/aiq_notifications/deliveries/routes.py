"""HTTP routes of deliveries: the emails sent or on their way (in the caller's districts: the
recipient's and the meeting's), address holds (coordinators and admins: an address belongs
to no district), the emails there are and their previews (every signed-in role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from aiq_notifications.deliveries import previews
from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.rules import Delivery, DeliveryKind, DeliveryState
from aiq_notifications.deliveries.schemas import AddressHold, TemplateList, TemplatePreview
from aiq_notifications.deliveries.service import Deliveries
from aiq_shared.auth import CurrentScope, allow
from aiq_shared.errors import NotFound
from aiq_shared.pagination import Page, PageParams, page_params


async def _deliveries(request: Request) -> Deliveries:
    return request.app.state.deliveries


async def _holds(request: Request) -> AddressHolds:
    return request.app.state.address_holds


DeliveriesDep = Annotated[Deliveries, Depends(_deliveries)]
HoldsDep = Annotated[AddressHolds, Depends(_holds)]
Paging = Annotated[PageParams, Depends(page_params)]
Id = Annotated[str | None, Query(max_length=64)]


async def hold_page_params(
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=320, description="`next_cursor`")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)  # keyed by address, not by ObjectId


HoldPaging = Annotated[PageParams, Depends(hold_page_params)]

router = APIRouter()


@router.get("/deliveries", tags=["deliveries"], summary="Emails sent or on their way")
async def list_deliveries(
    deliveries: DeliveriesDep,
    scope: CurrentScope,
    paging: Paging,
    event_id: Annotated[str | None, Query(max_length=64, description="Meeting id")] = None,
    person_id: Id = None,
    kind: DeliveryKind | None = None,
    state: DeliveryState | None = None,
) -> Page[Delivery]:
    return await deliveries.list(scope, paging, event_id, person_id, kind, state)


@router.get(
    "/address-holds",
    tags=["deliveries"],
    summary="Addresses that refused emails permanently, and whether they are on hold",
    dependencies=[allow("coordinator", "admin")],
)
async def address_holds(holds: HoldsDep, paging: HoldPaging) -> Page[AddressHold]:
    return await holds.page(paging)


@router.delete(
    "/address-holds/{email}",
    tags=["deliveries"],
    status_code=204,
    summary="Lift the hold on an address (after it was corrected, say)",
    dependencies=[allow("coordinator", "admin")],
)
async def lift_address_hold(email: Annotated[str, Path(max_length=320)], holds: HoldsDep) -> None:
    await holds.lift(email)


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
