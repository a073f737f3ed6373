"""HTTP routes of segments (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from aiq_contacts.people.schemas import Person
from aiq_contacts.search.schemas import CountedPage, ListPage
from aiq_contacts.segments.schemas import Segment, SegmentWrite
from aiq_contacts.segments.service import SegmentService

router = APIRouter(tags=["segments"])


def _segments(request: Request) -> SegmentService:
    return request.app.state.segments


Segments = Annotated[SegmentService, Depends(_segments)]
Page = Annotated[ListPage, Query()]


@router.post(
    "/segments",
    status_code=status.HTTP_201_CREATED,
    summary="Save a named filter (a segment) that invitations can target",
)
async def create_segment(body: SegmentWrite, segments: Segments) -> Segment:
    return await segments.save(body)


@router.get("/segments")
async def list_segments(segments: Segments, query: Page) -> CountedPage[Segment]:
    return await segments.page(query)


@router.get("/segments/{segment_id}")
async def get_segment(segment_id: str, segments: Segments) -> Segment:
    return await segments.get(segment_id)


@router.put("/segments/{segment_id}", summary="Change a segment")
async def update_segment(segment_id: str, body: SegmentWrite, segments: Segments) -> Segment:
    return await segments.save(body, segment_id)


@router.delete("/segments/{segment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_segment(segment_id: str, segments: Segments) -> Response:
    await segments.delete(segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/segments/{segment_id}/people", summary="The people a segment selects now")
async def segment_people(segment_id: str, segments: Segments, query: Page) -> CountedPage[Person]:
    return await segments.members(segment_id, query)
