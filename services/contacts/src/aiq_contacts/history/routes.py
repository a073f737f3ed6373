"""HTTP routes of the contact history: interactions, follow-ups, and where an organisation
or a person stands with each meeting (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_contacts.history.schemas import (
    FollowUp,
    FollowUpWrite,
    Interaction,
    InteractionWrite,
    MeetingAttendance,
)
from aiq_contacts.history.service import HistoryService
from aiq_contacts.search.schemas import CountedPage, FollowUpQuery, HistoryQuery

router = APIRouter(tags=["history"])


def _history(request: Request) -> HistoryService:
    return request.app.state.history


History = Annotated[HistoryService, Depends(_history)]


@router.post(
    "/organisations/{organisation_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a note, call or visit with an organisation",
)
async def add_organisation_interaction(
    organisation_id: str, body: InteractionWrite, history: History
) -> Interaction:
    return await history.add_interaction(body, organisation_id=organisation_id)


@router.get(
    "/organisations/{organisation_id}/interactions",
    summary="Contact history of an organisation (notes, calls, visits, meetings)",
)
async def organisation_interactions(
    organisation_id: str, history: History, query: Annotated[HistoryQuery, Query()]
) -> CountedPage[Interaction]:
    return await history.interactions(query, organisation_id=organisation_id)


@router.post(
    "/people/{person_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a note, call or visit with a person",
)
async def add_person_interaction(
    person_id: str, body: InteractionWrite, history: History
) -> Interaction:
    return await history.add_interaction(body, person_id=person_id)


@router.get("/people/{person_id}/interactions")
async def person_interactions(
    person_id: str, history: History, query: Annotated[HistoryQuery, Query()]
) -> CountedPage[Interaction]:
    return await history.interactions(query, person_id=person_id)


# -- follow-ups ------------------------------------------------------------------------------


@router.post("/follow-ups", status_code=status.HTTP_201_CREATED)
async def create_follow_up(body: FollowUpWrite, history: History) -> FollowUp:
    return await history.create_follow_up(body)


@router.get(
    "/follow-ups", summary="Follow-ups, e.g. an officer's open ones: ?owner=...&status=open"
)
async def list_follow_ups(
    history: History, query: Annotated[FollowUpQuery, Query()]
) -> CountedPage[FollowUp]:
    return await history.follow_ups(query)


@router.post("/follow-ups/{follow_up_id}/done", summary="Mark a follow-up done")
async def complete_follow_up(follow_up_id: str, history: History) -> FollowUp:
    return await history.complete_follow_up(follow_up_id)


# -- meetings --------------------------------------------------------------------------------


@router.get(
    "/organisations/{organisation_id}/meetings",
    summary="The meetings an organisation's people registered for, and where it stands",
    description="One item per meeting, the latest first: the organisation's state (its "
    "people's furthest: checked in, registered, moved up, waitlisted, no-show, cancelled) "
    "and each registration's current state and steps.",
)
async def organisation_meetings(organisation_id: str, history: History) -> list[MeetingAttendance]:
    return await history.organisation_meetings(organisation_id)


@router.get(
    "/people/{person_id}/meetings",
    summary="The meetings a person registered for: the latest state and every step",
)
async def person_meetings(person_id: str, history: History) -> list[MeetingAttendance]:
    return await history.person_meetings(person_id)
