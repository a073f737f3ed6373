"""HTTP routes of meetings: ``/events`` and ``/events/{event_id}`` (create, list, change,
publish, cancel). Every route: staff of the meeting's districts, coordinators, admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, status

from aiq_events.meetings.changes import MeetingChanges
from aiq_events.meetings.schemas import (
    IsoDay,
    Meeting,
    MeetingChange,
    MeetingCreate,
    MeetingListing,
    MeetingSort,
    MeetingStatus,
    PublishedMeeting,
    PublishOptions,
)
from aiq_events.meetings.service import MeetingsService
from aiq_events.roles import STAFF
from aiq_shared.auth import CurrentScope
from aiq_shared.idempotency import IdempotencyKey
from aiq_shared.pagination import Page, PageParams, page_params


async def _meetings(request: Request) -> MeetingsService:
    return request.app.state.meetings


async def _changes(request: Request) -> MeetingChanges:
    return request.app.state.meeting_changes


Meetings = Annotated[MeetingsService, Depends(_meetings)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter(prefix="/events", tags=["events"])


@router.post(
    "",
    dependencies=[STAFF],
    status_code=status.HTTP_201_CREATED,
    summary="Create an event (an officer: in her districts)",
    responses={403: {"description": "A district that is not among the officer's"}},
)
async def create_event(
    body: MeetingCreate,
    meetings: Meetings,
    scope: CurrentScope,
    idempotency_key: IdempotencyKey = None,
) -> Meeting:
    return await meetings.create_meeting(body, scope, idempotency_key)


@router.get("", dependencies=[STAFF], summary="List events (of the caller's districts)")
async def list_events(
    meetings: Meetings,
    paging: Paging,
    scope: CurrentScope,
    district: Annotated[
        list[str], Query(max_length=20, description="In any of these districts")
    ] = [],  # noqa: B006 (FastAPI copies a default: never shared between calls)
    status: MeetingStatus | None = None,
    starts_from: Annotated[
        IsoDay | None, Query(alias="from", description="Starting on or after this day")
    ] = None,
    starts_to: Annotated[
        IsoDay | None, Query(alias="to", description="Starting on or before this day")
    ] = None,
    sort: Annotated[
        MeetingSort | None,
        Query(description="starts_at: earliest first, -starts_at: latest first (default: as made)"),
    ] = None,
) -> Page[Meeting]:
    listing = MeetingListing(
        districts=district, status=status, starts_from=starts_from, starts_to=starts_to, sort=sort
    )
    return await meetings.list_meetings(paging, scope, listing)


@router.get("/{event_id}", dependencies=[STAFF])
async def get_event(event_id: str, meetings: Meetings, scope: CurrentScope) -> Meeting:
    return await meetings.get_meeting(event_id, scope)


@router.patch(
    "/{event_id}",
    dependencies=[STAFF],
    summary="Change an event; registrants of a published one are told of a new time, place, "
    "wording or programme, calendars updated",
    responses={409: {"description": "It would take a seat or a chosen table from someone"}},
)
async def change_event(
    event_id: str,
    body: MeetingChange,
    changes: Annotated[MeetingChanges, Depends(_changes)],
    scope: CurrentScope,
) -> Meeting:
    return await changes.change_meeting(event_id, body, scope)


@router.post(
    "/{event_id}/cancel",
    dependencies=[STAFF],
    summary="Cancel an event; registrants are told and the calendar entry is withdrawn",
)
async def cancel_event(event_id: str, meetings: Meetings, scope: CurrentScope) -> Meeting:
    return await meetings.cancel_meeting(event_id, scope)


@router.post(
    "/{event_id}/publish",
    dependencies=[STAFF],
    summary="Publish an event: invitations go out to the invited districts",
    description="Without a body the meeting's districts are invited (people with invitation "
    "consent; an officer invites the people of her districts). A body may name another target "
    'or segment, or say `{"invite": false}`. The answer is the meeting with the `campaign_id` '
    "of the invitations it started.",
)
async def publish_event(
    event_id: str,
    meetings: Meetings,
    scope: CurrentScope,
    body: Annotated[PublishOptions | None, Body()] = None,
) -> PublishedMeeting:
    return await meetings.publish_meeting(event_id, scope, body)
