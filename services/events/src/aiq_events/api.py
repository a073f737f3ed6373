"""HTTP routes of the events service (REST resource ``/events``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, status
from fastapi.responses import Response

from aiq_events import report
from aiq_events.domain import (
    CheckIn,
    CheckInCode,
    GroupRegistrationCreate,
    Meeting,
    MeetingChange,
    MeetingCreate,
    Registration,
    RegistrationCreate,
    TableAssignment,
    TableChoice,
    TableVisitCreate,
    WalkInCreate,
)
from aiq_events.invitations import (
    CampaignResult,
    InvitationPreview,
    InvitationTarget,
    InvitationView,
    PublishOptions,
)
from aiq_events.report import MeetingReport, Outcome, OutcomesCreate
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
    status: Literal["draft", "published", "cancelled", "closed"] | None = None,
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
    description="Without a body the meeting's districts are invited (people with invitation "
    'consent). A body may name another target or segment, or say `{"invite": false}`.',
)
async def publish_event(
    event_id: str, service: Service, body: Annotated[PublishOptions | None, Body()] = None
) -> Meeting:
    return await service.publish_meeting(event_id, body)


# invitations ---------------------------------------------------------------------------------
@router.post(
    "/{event_id}/invitations/preview",
    tags=["invitations"],
    summary="Who a target would invite: counts and a page of people, nothing sent",
)
async def preview_invitations(
    event_id: str, body: InvitationTarget, service: Service, paging: Paging
) -> InvitationPreview:
    return await service.preview_invitations(event_id, body, paging)


@router.post(
    "/{event_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    tags=["invitations"],
    summary="Invite a target: one invitation with a personal link per person with consent",
    responses={409: {"description": "The meeting is not published"}},
)
async def invite(
    event_id: str, body: InvitationTarget, service: Service, idempotency_key: IdempotencyKey = None
) -> CampaignResult:
    return await service.invite(event_id, body, idempotency_key)


@router.get("/{event_id}/invitations", tags=["invitations"], summary="Invitations and answers")
async def list_invitations(event_id: str, service: Service, paging: Paging) -> Page[InvitationView]:
    return await service.list_invitations(event_id, paging)


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


@router.post(
    "/{event_id}/group-registrations",
    status_code=status.HTTP_201_CREATED,
    tags=["registrations"],
    summary="Register a school group (teacher and students; confirmed or waitlisted together)",
)
async def register_group(
    event_id: str,
    body: GroupRegistrationCreate,
    service: Service,
    idempotency_key: IdempotencyKey = None,
) -> Registration:
    return await service.register_group(event_id, body, idempotency_key)


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


@router.put(
    "/{event_id}/registrations/{registration_id}/topic-tables",
    tags=["registrations"],
    summary="Change the chosen (or ranked) topic tables; freed seats go to the next in line",
)
async def change_tables(
    event_id: str, registration_id: str, body: TableChoice, service: Service
) -> Registration:
    return await service.change_tables(event_id, registration_id, body)


@router.post(
    "/{event_id}/registrations/{registration_id}/accept",
    tags=["registrations"],
    summary="Accept a waitlist move-up offer before it expires",
)
async def accept_offer(event_id: str, registration_id: str, service: Service) -> Registration:
    return await service.accept_offer(event_id, registration_id)


@router.post(
    "/{event_id}/table-assignment",
    tags=["topic tables"],
    summary="Place ranked registrations at tables (registration order, first ranked table "
    "with room), with the reason for each",
)
async def assign_tables(event_id: str, service: Service) -> TableAssignment:
    return await service.assign_tables(event_id)


@router.post(
    "/{event_id}/walk-ins",
    status_code=status.HTTP_201_CREATED,
    tags=["check-in"],
    summary="Register and check in someone at the door (even past the deadline)",
)
async def walk_in(event_id: str, body: WalkInCreate, service: Service) -> CheckIn:
    return await service.walk_in(event_id, body)


@router.post(
    "/{event_id}/table-attendance",
    tags=["check-in"],
    summary="Record that a registrant sat at a topic table in a round",
)
async def table_attendance(event_id: str, body: TableVisitCreate, service: Service) -> Registration:
    return await service.record_visit(event_id, body)


@router.post(
    "/{event_id}/close",
    tags=["events"],
    summary="Close the meeting after the day: confirmed but not checked in are no-shows",
)
async def close_event(event_id: str, service: Service) -> Meeting:
    return await service.close_meeting(event_id)


@router.post(
    "/{event_id}/outcomes",
    status_code=status.HTTP_201_CREATED,
    tags=["outcomes"],
    summary="Notes and follow-ups per organisation or person, for the contact history",
)
async def record_outcomes(event_id: str, body: OutcomesCreate, service: Service) -> list[Outcome]:
    return await service.record_outcomes(event_id, body)


@router.get("/{event_id}/outcomes", tags=["outcomes"])
async def list_outcomes(event_id: str, service: Service, paging: Paging) -> Page[Outcome]:
    return await service.list_outcomes(event_id, paging)


@router.get(
    "/{event_id}/report",
    tags=["outcomes"],
    summary="Who came from which district, which tables drew whom, no-shows, walk-ins",
    responses={200: {"content": {"text/csv": {}}}},
)
async def meeting_report(
    event_id: str,
    service: Service,
    format: Annotated[
        Literal["json", "csv"], Query(description="csv: one row a registration")
    ] = "json",
) -> MeetingReport:
    built = await service.report(event_id)
    if format == "csv":
        return Response(  # type: ignore[return-value]
            report.as_csv(built.rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="treffen-{event_id}.csv"'},
        )
    return built


@router.post(
    "/{event_id}/check-in",
    tags=["check-in"],
    summary="Check a registrant in at the door with the code from their QR code",
    responses={409: {"description": "The registration holds no confirmed seat"}},
)
async def check_in(event_id: str, body: CheckInCode, service: Service) -> CheckIn:
    return await service.check_in(event_id, body.code)
