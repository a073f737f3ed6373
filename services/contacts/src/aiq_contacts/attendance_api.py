"""HTTP routes for meetings in the contact history: where an organisation or a person stands
with each meeting (registered, waitlisted, moved up, cancelled, checked in, no-show), and
every step that led there."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aiq_contacts.history import MeetingAttendance
from aiq_contacts.meeting_history import MeetingHistory

router = APIRouter(tags=["history"])


def _meetings(request: Request) -> MeetingHistory:
    return request.app.state.meetings


@router.get(
    "/organisations/{organisation_id}/meetings",
    summary="The meetings an organisation's people registered for, and where it stands",
    description="One item per meeting, the latest first: the organisation's state (its "
    "people's furthest: checked in, registered, moved up, waitlisted, no-show, cancelled) "
    "and each registration's current state and steps.",
)
async def organisation_meetings(organisation_id: str, request: Request) -> list[MeetingAttendance]:
    return await _meetings(request).organisation_meetings(organisation_id)


@router.get(
    "/people/{person_id}/meetings",
    summary="The meetings a person registered for: the latest state and every step",
)
async def person_meetings(person_id: str, request: Request) -> list[MeetingAttendance]:
    return await _meetings(request).person_meetings(person_id)
