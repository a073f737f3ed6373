"""HTTP routes of campaigns: their progress (sent, pending, failed, skipped, stopped), in the
caller's districts (a campaign belongs to its meeting's; another district's is a 404). Every
signed-in role may read them; nobody writes them here (the events service starts them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from aiq_notifications.campaigns.rules import CampaignProgress
from aiq_notifications.campaigns.service import Campaigns
from aiq_shared.auth import CurrentScope
from aiq_shared.pagination import Page, PageParams, page_params


async def _campaigns(request: Request) -> Campaigns:
    return request.app.state.campaigns


CampaignsDep = Annotated[Campaigns, Depends(_campaigns)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter()


@router.get(
    "/campaigns",
    tags=["campaigns"],
    summary="Invitation campaigns and their progress (sent, pending, failed, skipped)",
)
async def list_campaigns(
    campaigns: CampaignsDep,
    scope: CurrentScope,
    paging: Paging,
    event_id: Annotated[str | None, Query(max_length=64, description="Meeting id")] = None,
) -> Page[CampaignProgress]:
    return await campaigns.list(scope, paging, event_id)


@router.get(
    "/campaigns/{campaign_id}",
    tags=["campaigns"],
    summary="One campaign's progress, counted from its deliveries (poll it while it runs)",
)
async def campaign_progress(
    campaign_id: Annotated[str, Path(max_length=64)], campaigns: CampaignsDep, scope: CurrentScope
) -> CampaignProgress:
    return await campaigns.progress(scope, campaign_id)
