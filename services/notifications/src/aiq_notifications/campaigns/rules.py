"""Invitation campaigns: where one stands, counted from its deliveries. Plain Python, no I/O.

Every invitation of a campaign is exactly one of sent, pending (not yet sent, or not yet
arrived here), failed (dead), skipped (no consent or no address when it arrived, or invited
before) or stopped (not sent since the meeting was cancelled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class Campaign(BaseModel):
    """An invitation run (``aiq.invitation_campaign.started.v1``); an invitation may arrive
    before its campaign's start, and then only ``skipped`` is known."""

    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str = ""
    meeting_title: str = ""
    districts: list[str] = []  # its meeting's: who may see it
    total: int | None = None
    skipped: int = 0
    target: dict[str, Any] | None = None
    segment_id: str | None = None
    started_at: datetime | None = None


class CampaignProgress(BaseModel):
    """Where an invitation campaign stands: every invitation is exactly one of
    sent, pending (not yet sent, or not yet arrived here), failed (dead) or skipped
    (no consent or no address when it arrived)."""

    campaign_id: str
    meeting_id: str
    meeting_title: str
    total: int
    sent: int
    pending: int
    failed: int
    skipped: int
    stopped: int = 0  # not sent since the meeting was cancelled (no failure)
    done: bool
    started_at: datetime | None = None


def campaign_progress(
    campaign: Campaign, sent: int, failed: int, in_flight: int, stopped: int = 0
) -> CampaignProgress:
    total = campaign.total or 0
    # counted one state at a time, so a delivery may move between two counts: the total
    # decides, unless the campaign's start has not arrived yet (then what is on its way)
    pending = max(total - sent - failed - campaign.skipped - stopped, 0) if total else in_flight
    return CampaignProgress(
        campaign_id=campaign.id,
        meeting_id=campaign.meeting_id,
        meeting_title=campaign.meeting_title,
        total=total,
        sent=sent,
        pending=pending,
        failed=failed,
        skipped=campaign.skipped,
        stopped=stopped,
        done=pending == 0,
        started_at=campaign.started_at,
    )
