"""HTTP routes of the events service (REST resource ``/events``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_events.domain import (
    CheckIn,
    CheckInCode,
    Meeting,
    MeetingChange,
    MeetingCreate,
    Registration,
    RegistrationCreate,
)
from aiq_events.service import EventsService
from aiq_shared.idempotency import IdempotencyKey
from aiq_shared.pagination import Page, PageParams, page_params


def _service(request: Request) -> EventsService:
    return request.app.state.events


Service = Annotated[EventsService, Depends(_service)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter(prefix="/events")


@router.post("", status_code=status.HTTP_201_CREATED, tags=["events"], summary="Create an event")
async def create_event(
    body: MeetingCreate, service: Service, idempotency_key: IdempotencyKey = None
) -> Meeting:
    return await service.create_meeting(body, idempotency_key)


@router.get("", tags=["events"], summary="List events")
async def list_events(
    service: Service,
    paging: Paging,
    district: Annotated[str | None, Query(max_length=80)] = None,
    status: Literal["draft", "published", "cancelled"] | None = None,
) -> Page[Meeting]:
    return await service.list_meetings(paging, district, status)


@router.get("/{event_id}", tags=["events"])
async def get_event(event_id: str, service: Service) -> Meeting:
    return await service.get_meeting(event_id)


@router.patch(
    "/{event_id}",
    tags=["events"],
    summary="Change an event; registrants of a published one are told, calendars updated",
)
async def change_event(event_id: str, body: MeetingChange, service: Service) -> Meeting:
    return await service.change_meeting(event_id, body)


@router.post(
    "/{event_id}/cancel",
    tags=["events"],
    summary="Cancel an event; registrants are told and the calendar entry is withdrawn",
)
async def cancel_event(event_id: str, service: Service) -> Meeting:
    return await service.cancel_meeting(event_id)


@router.post(
    "/{event_id}/publish",
    tags=["events"],
    summary="Publish an event: invitations go out to the invited districts",
)
async def publish_event(event_id: str, service: Service) -> Meeting:
    return await service.publish_meeting(event_id)


@router.post(
    "/{event_id}/registrations",
    status_code=status.HTTP_201_CREATED,
    tags=["registrations"],
    summary="Register a person (confirmed while there is room, waitlisted after)",
    responses={
        409: {"description": "Not published, or the person is registered already"},
        422: {"description": "Unknown person or topic table"},
    },
)
async def register(
    event_id: str,
    body: RegistrationCreate,
    service: Service,
    idempotency_key: IdempotencyKey = None,
) -> Registration:
    return await service.register(event_id, body, idempotency_key)


@router.get("/{event_id}/registrations", tags=["registrations"])
async def list_registrations(
    event_id: str,
    service: Service,
    paging: Paging,
    status: Literal["confirmed", "waitlisted", "cancelled"] | None = None,
) -> Page[Registration]:
    return await service.list_registrations(event_id, paging, status)


@router.get("/{event_id}/registrations/{registration_id}", tags=["registrations"])
async def get_registration(event_id: str, registration_id: str, service: Service) -> Registration:
    return await service.get_registration(event_id, registration_id)


@router.post(
    "/{event_id}/registrations/{registration_id}/cancel",
    tags=["registrations"],
    summary="Cancel a registration; the first on the waitlist moves up",
)
async def cancel_registration(
    event_id: str, registration_id: str, service: Service
) -> Registration:
    return await service.cancel(event_id, registration_id)


@router.post(
    "/{event_id}/check-in",
    tags=["check-in"],
    summary="Check a registrant in at the door with the code from their QR code",
    responses={409: {"description": "The registration holds no confirmed seat"}},
)
async def check_in(event_id: str, body: CheckInCode, service: Service) -> CheckIn:
    return await service.check_in(event_id, body.code)
