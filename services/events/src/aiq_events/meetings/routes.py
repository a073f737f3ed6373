"""HTTP routes of meetings: ``/events`` and ``/events/{event_id}`` (create, list, change,
publish, cancel)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, status

from aiq_events.meetings.schemas import Meeting, MeetingChange, MeetingCreate, PublishOptions
from aiq_events.meetings.service import MeetingsService
from aiq_shared.idempotency import IdempotencyKey
from aiq_shared.pagination import Page, PageParams, page_params


def _meetings(request: Request) -> MeetingsService:
    return request.app.state.meetings


Meetings = Annotated[MeetingsService, Depends(_meetings)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter(prefix="/events", tags=["events"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create an event")
async def create_event(
    body: MeetingCreate, meetings: Meetings, idempotency_key: IdempotencyKey = None
) -> Meeting:
    return await meetings.create_meeting(body, idempotency_key)


@router.get("", summary="List events")
async def list_events(
    meetings: Meetings,
    paging: Paging,
    district: Annotated[str | None, Query(max_length=80)] = None,
    status: Literal["draft", "published", "cancelled", "closed"] | None = None,
) -> Page[Meeting]:
    return await meetings.list_meetings(paging, district, status)


@router.get("/{event_id}")
async def get_event(event_id: str, meetings: Meetings) -> Meeting:
    return await meetings.get_meeting(event_id)


@router.patch(
    "/{event_id}",
    summary="Change an event; registrants of a published one are told, calendars updated",
)
async def change_event(event_id: str, body: MeetingChange, meetings: Meetings) -> Meeting:
    return await meetings.change_meeting(event_id, body)


@router.post(
    "/{event_id}/cancel",
    summary="Cancel an event; registrants are told and the calendar entry is withdrawn",
)
async def cancel_event(event_id: str, meetings: Meetings) -> Meeting:
    return await meetings.cancel_meeting(event_id)


@router.post(
    "/{event_id}/publish",
    summary="Publish an event: invitations go out to the invited districts",
    description="Without a body the meeting's districts are invited (people with invitation "
    'consent). A body may name another target or segment, or say `{"invite": false}`.',
)
async def publish_event(
    event_id: str, meetings: Meetings, body: Annotated[PublishOptions | None, Body()] = None
) -> Meeting:
    return await meetings.publish_meeting(event_id, body)
