"""HTTP routes of invitations: preview a target, invite it, the invitations and answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from aiq_events.invitations.answers import Answers
from aiq_events.invitations.schemas import (
    CampaignResult,
    InvitationPreview,
    InvitationTarget,
    InvitationView,
)
from aiq_events.invitations.service import InvitationsService
from aiq_events.roles import STAFF
from aiq_shared.auth import CurrentScope
from aiq_shared.idempotency import IdempotencyKey
from aiq_shared.pagination import Page, PageParams, page_params


async def _invitations(request: Request) -> InvitationsService:
    return request.app.state.invitations


async def _answers(request: Request) -> Answers:
    return request.app.state.answers


Invitations = Annotated[InvitationsService, Depends(_invitations)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter(prefix="/events/{event_id}/invitations", tags=["invitations"])


@router.post(
    "/preview",
    dependencies=[STAFF],
    summary="Who a target would invite: counts and a page of people, nothing sent",
)
async def preview_invitations(
    event_id: str,
    body: InvitationTarget,
    invitations: Invitations,
    paging: Paging,
    scope: CurrentScope,
) -> InvitationPreview:
    return await invitations.preview_invitations(event_id, body, paging, scope)


@router.post(
    "",
    dependencies=[STAFF],
    status_code=status.HTTP_201_CREATED,
    summary="Invite a target: one invitation with a personal link per person with consent",
    responses={409: {"description": "The meeting is not published"}},
)
async def invite(
    event_id: str,
    body: InvitationTarget,
    invitations: Invitations,
    scope: CurrentScope,
    idempotency_key: IdempotencyKey = None,
) -> CampaignResult:
    return await invitations.invite(event_id, body, scope, idempotency_key)


@router.get("", dependencies=[STAFF], summary="Invitations and answers")
async def list_invitations(
    event_id: str,
    answers: Annotated[Answers, Depends(_answers)],
    paging: Paging,
    scope: CurrentScope,
) -> Page[InvitationView]:
    return await answers.list_invitations(event_id, paging, scope)
