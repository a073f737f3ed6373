"""HTTP routes of registrations: ``/events/{event_id}/registrations``, school groups, topic
tables and the assignment step, move-up offers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_events.registrations.schemas import (
    GroupRegistrationCreate,
    Registration,
    RegistrationCreate,
    RegistrationListing,
    RegistrationView,
    TableAssignment,
    TableChoice,
)
from aiq_events.registrations.service import RegistrationsService
from aiq_events.roles import STAFF
from aiq_shared.auth import CurrentScope
from aiq_shared.idempotency import IdempotencyKey
from aiq_shared.pagination import Page, PageParams, page_params


async def _registrations(request: Request) -> RegistrationsService:
    return request.app.state.registrations


Registrations = Annotated[RegistrationsService, Depends(_registrations)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter(prefix="/events/{event_id}")
# Every route: staff of the meeting's districts (officers), coordinators and admins.


@router.post(
    "/registrations",
    dependencies=[STAFF],
    tags=["registrations"],
    status_code=status.HTTP_201_CREATED,
    summary="Register a person (confirmed while there is room, waitlisted after)",
    responses={
        409: {"description": "Not published, or the person is registered already"},
        422: {"description": "Unknown person or topic table"},
    },
)
async def register(
    event_id: str,
    body: RegistrationCreate,
    registrations: Registrations,
    scope: CurrentScope,
    idempotency_key: IdempotencyKey = None,
) -> Registration:
    return await registrations.register(event_id, body, scope, idempotency_key)


@router.post(
    "/group-registrations",
    dependencies=[STAFF],
    tags=["registrations"],
    status_code=status.HTTP_201_CREATED,
    summary="Register a school group (teacher and students; confirmed or waitlisted together)",
)
async def register_group(
    event_id: str,
    body: GroupRegistrationCreate,
    registrations: Registrations,
    scope: CurrentScope,
    idempotency_key: IdempotencyKey = None,
) -> Registration:
    return await registrations.register_group(event_id, body, scope, idempotency_key)


@router.get("/registrations", dependencies=[STAFF], tags=["registrations"])
async def list_registrations(
    event_id: str,
    registrations: Registrations,
    paging: Paging,
    scope: CurrentScope,
    status: Literal["confirmed", "waitlisted", "cancelled"] | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of a name (a group's students too)")
    ] = None,
) -> Page[RegistrationView]:
    listing = RegistrationListing(status=status, q=(q or "").strip() or None)
    return await registrations.list_registrations(event_id, paging, scope, listing)


@router.get("/registrations/{registration_id}", dependencies=[STAFF], tags=["registrations"])
async def get_registration(
    event_id: str, registration_id: str, registrations: Registrations, scope: CurrentScope
) -> RegistrationView:
    return await registrations.get_registration(event_id, registration_id, scope)


@router.post(
    "/registrations/{registration_id}/cancel",
    dependencies=[STAFF],
    tags=["registrations"],
    summary="Cancel a registration; the first on the waitlist moves up",
)
async def cancel_registration(
    event_id: str, registration_id: str, registrations: Registrations, scope: CurrentScope
) -> Registration:
    return await registrations.cancel(event_id, registration_id, scope)


@router.put(
    "/registrations/{registration_id}/topic-tables",
    dependencies=[STAFF],
    tags=["registrations"],
    summary="Change the chosen (or ranked) topic tables; freed seats go to the next in line",
)
async def change_tables(
    event_id: str,
    registration_id: str,
    body: TableChoice,
    registrations: Registrations,
    scope: CurrentScope,
) -> Registration:
    return await registrations.change_tables(event_id, registration_id, body, scope)


@router.post(
    "/registrations/{registration_id}/accept",
    dependencies=[STAFF],
    tags=["registrations"],
    summary="Accept a waitlist move-up offer before it expires",
)
async def accept_offer(
    event_id: str, registration_id: str, registrations: Registrations, scope: CurrentScope
) -> Registration:
    return await registrations.accept_offer(event_id, registration_id, scope)


@router.post(
    "/table-assignment",
    dependencies=[STAFF],
    tags=["topic tables"],
    summary="Place ranked registrations at tables (registration order, first ranked table "
    "with room), with the reason for each",
)
async def assign_tables(
    event_id: str, registrations: Registrations, scope: CurrentScope
) -> TableAssignment:
    return await registrations.assign_tables(event_id, scope)
