"""HTTP routes of the day: check-in with the QR code, walk-ins, table attendance, closing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from aiq_events.day.schemas import CheckIn, CheckInCode, TableVisitCreate, WalkInCreate
from aiq_events.day.service import DayService
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration
from aiq_events.roles import STAFF
from aiq_shared.auth import CurrentScope


async def _day(request: Request) -> DayService:
    return request.app.state.day


Day = Annotated[DayService, Depends(_day)]

router = APIRouter(prefix="/events/{event_id}")


@router.post(
    "/walk-ins",
    dependencies=[STAFF],
    status_code=status.HTTP_201_CREATED,
    tags=["check-in"],
    summary="Register and check in someone at the door (even past the deadline)",
)
async def walk_in(event_id: str, body: WalkInCreate, day: Day, scope: CurrentScope) -> CheckIn:
    return await day.walk_in(event_id, body, scope)


@router.post(
    "/table-attendance",
    dependencies=[STAFF],
    tags=["check-in"],
    summary="Record that a registrant sat at a topic table in a round",
)
async def table_attendance(
    event_id: str, body: TableVisitCreate, day: Day, scope: CurrentScope
) -> Registration:
    return await day.record_visit(event_id, body, scope)


@router.post(
    "/close",
    dependencies=[STAFF],
    tags=["events"],
    summary="Close the meeting after the day: confirmed but not checked in are no-shows",
)
async def close_event(event_id: str, day: Day, scope: CurrentScope) -> Meeting:
    return await day.close_meeting(event_id, scope)


@router.post(
    "/check-in",
    dependencies=[STAFF],
    tags=["check-in"],
    summary="Check a registrant in at the door with the code from their QR code",
    responses={409: {"description": "The registration holds no confirmed seat"}},
)
async def check_in(event_id: str, body: CheckInCode, day: Day, scope: CurrentScope) -> CheckIn:
    return await day.check_in(event_id, body.code, scope)
