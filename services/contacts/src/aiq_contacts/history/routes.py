"""HTTP routes of the contact history: interactions, follow-ups, a district's recent history,
and where an organisation or a person stands with each meeting (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_contacts.history.lists import HistoryLists
from aiq_contacts.history.schemas import (
    FollowUp,
    FollowUpItem,
    FollowUpWrite,
    Interaction,
    InteractionItem,
    InteractionWrite,
    MeetingAttendance,
)
from aiq_contacts.history.service import HistoryService
from aiq_contacts.roles import STAFF
from aiq_contacts.search.schemas import (
    CountedPage,
    FollowUpQuery,
    HistoryQuery,
    InteractionFeedQuery,
)
from aiq_shared.auth import CurrentScope

router = APIRouter(tags=["history"])


async def _history(request: Request) -> HistoryService:
    return request.app.state.history


async def _lists(request: Request) -> HistoryLists:
    return request.app.state.history_lists


History = Annotated[HistoryService, Depends(_history)]
Lists = Annotated[HistoryLists, Depends(_lists)]


@router.post(
    "/organisations/{organisation_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a note, call or visit with an organisation",
    dependencies=[STAFF],
)
async def add_organisation_interaction(
    organisation_id: str, body: InteractionWrite, history: History, scope: CurrentScope
) -> Interaction:
    return await history.add_interaction(body, scope, organisation_id=organisation_id)


@router.get(
    "/organisations/{organisation_id}/interactions",
    summary="Contact history of an organisation (notes, calls, visits, meetings)",
    dependencies=[STAFF],
)
async def organisation_interactions(
    organisation_id: str,
    lists: Lists,
    scope: CurrentScope,
    query: Annotated[HistoryQuery, Query()],
) -> CountedPage[Interaction]:
    return await lists.interactions(query, scope, organisation_id=organisation_id)


@router.post(
    "/people/{person_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a note, call or visit with a person",
    dependencies=[STAFF],
)
async def add_person_interaction(
    person_id: str, body: InteractionWrite, history: History, scope: CurrentScope
) -> Interaction:
    return await history.add_interaction(body, scope, person_id=person_id)


@router.get("/people/{person_id}/interactions", dependencies=[STAFF])
async def person_interactions(
    person_id: str, lists: Lists, scope: CurrentScope, query: Annotated[HistoryQuery, Query()]
) -> CountedPage[Interaction]:
    return await lists.interactions(query, scope, person_id=person_id)


@router.get(
    "/interactions",
    summary="The recent history of the caller's districts: ?district=...&sort=-occurred_at",
    description="Notes, calls, visits, meeting attendance and outcomes of the organisations "
    "and people in the caller's districts (or in some of them: `district`, repeatable), "
    "newest first by default, with the names of what each is about.",
    dependencies=[STAFF],
)
async def recent_interactions(
    lists: Lists, scope: CurrentScope, query: Annotated[InteractionFeedQuery, Query()]
) -> CountedPage[InteractionItem]:
    return await lists.recent(query, scope)


# -- follow-ups ------------------------------------------------------------------------------


@router.post("/follow-ups", status_code=status.HTTP_201_CREATED, dependencies=[STAFF])
async def create_follow_up(body: FollowUpWrite, history: History, scope: CurrentScope) -> FollowUp:
    return await history.create_follow_up(body, scope)


@router.get(
    "/follow-ups",
    summary="Follow-ups, e.g. an officer's open ones: ?owner=...&status=open",
    description="With the names of the organisation and person each is about; `district` "
    "(repeatable) narrows them to some of the caller's districts.",
    dependencies=[STAFF],
)
async def list_follow_ups(
    lists: Lists, scope: CurrentScope, query: Annotated[FollowUpQuery, Query()]
) -> CountedPage[FollowUpItem]:
    return await lists.follow_ups(query, scope)


@router.post(
    "/follow-ups/{follow_up_id}/done", summary="Mark a follow-up done", dependencies=[STAFF]
)
async def complete_follow_up(follow_up_id: str, history: History, scope: CurrentScope) -> FollowUp:
    return await history.complete_follow_up(follow_up_id, scope)


# -- meetings --------------------------------------------------------------------------------


@router.get(
    "/organisations/{organisation_id}/meetings",
    summary="The meetings an organisation's people registered for, and where it stands",
    description="One item per meeting, the latest first: the organisation's state (its "
    "people's furthest: checked in, registered, moved up, waitlisted, no-show, cancelled) "
    "and each registration's current state and steps.",
    dependencies=[STAFF],
)
async def organisation_meetings(
    organisation_id: str, lists: Lists, scope: CurrentScope
) -> list[MeetingAttendance]:
    return await lists.organisation_meetings(organisation_id, scope)


@router.get(
    "/people/{person_id}/meetings",
    summary="The meetings a person registered for: the latest state and every step",
    dependencies=[STAFF],
)
async def person_meetings(
    person_id: str, lists: Lists, scope: CurrentScope
) -> list[MeetingAttendance]:
    return await lists.person_meetings(person_id, scope)
