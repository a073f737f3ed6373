"""HTTP routes of segments (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from aiq_contacts.people.schemas import Person
from aiq_contacts.roles import STAFF
from aiq_contacts.search.schemas import CountedPage, ListPage
from aiq_contacts.segments.schemas import Segment, SegmentWrite
from aiq_contacts.segments.service import SegmentService
from aiq_shared.auth import CurrentScope

router = APIRouter(tags=["segments"])


async def _segments(request: Request) -> SegmentService:
    return request.app.state.segments


Segments = Annotated[SegmentService, Depends(_segments)]
Page = Annotated[ListPage, Query()]


@router.post(
    "/segments",
    status_code=status.HTTP_201_CREATED,
    summary="Save a named filter (a segment) that invitations can target",
    description="It belongs to the caller's districts (a coordinator's: every district).",
    dependencies=[STAFF],
)
async def create_segment(body: SegmentWrite, segments: Segments, scope: CurrentScope) -> Segment:
    return await segments.save(body, scope)


@router.get("/segments", summary="The segments of the caller's districts", dependencies=[STAFF])
async def list_segments(
    segments: Segments, scope: CurrentScope, query: Page
) -> CountedPage[Segment]:
    return await segments.page(query, scope)


@router.get("/segments/{segment_id}", dependencies=[STAFF])
async def get_segment(segment_id: str, segments: Segments, scope: CurrentScope) -> Segment:
    return await segments.get(segment_id, scope)


@router.put(
    "/segments/{segment_id}",
    summary="Change a segment",
    description="Needs every district the segment belongs to (403 otherwise).",
    dependencies=[STAFF],
)
async def update_segment(
    segment_id: str, body: SegmentWrite, segments: Segments, scope: CurrentScope
) -> Segment:
    return await segments.save(body, scope, segment_id)


@router.delete(
    "/segments/{segment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    description="Needs every district the segment belongs to (403 otherwise).",
    dependencies=[STAFF],
)
async def delete_segment(segment_id: str, segments: Segments, scope: CurrentScope) -> Response:
    await segments.delete(segment_id, scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/segments/{segment_id}/people",
    summary="The people a segment selects now (of those in the caller's districts)",
    dependencies=[STAFF],
)
async def segment_people(
    segment_id: str, segments: Segments, scope: CurrentScope, query: Page
) -> CountedPage[Person]:
    return await segments.members(segment_id, query, scope)
