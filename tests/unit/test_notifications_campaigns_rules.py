"""Invitation campaigns: their parts always add up to the total."""

from __future__ import annotations

from aiq_notifications.campaigns import rules as domain
from aiq_notifications.campaigns.rules import Campaign


def test_a_campaigns_parts_always_add_up_to_its_total() -> None:
    campaign = Campaign(id="c1", meeting_id="m1", total=300, skipped=2)
    moving = domain.campaign_progress(campaign, sent=35, failed=1, in_flight=267)
    assert (moving.sent, moving.pending, moving.failed, moving.skipped) == (35, 262, 1, 2)
    assert not moving.done
    finished = domain.campaign_progress(campaign, sent=297, failed=1, in_flight=0)
    assert finished.pending == 0 and finished.done
    early = domain.campaign_progress(Campaign(id="c2", meeting_id="m1"), 0, 0, in_flight=5)
    assert early.total == 0 and early.pending == 5 and not early.done


def test_stopped_invitations_are_counted_apart_from_failures() -> None:
    campaign = Campaign(id="c1", meeting_id="m1", total=10, skipped=1)
    progress = domain.campaign_progress(campaign, sent=3, failed=1, in_flight=0, stopped=5)
    assert (progress.sent, progress.failed, progress.stopped, progress.skipped) == (3, 1, 5, 1)
    assert progress.pending == 0 and progress.done


def test_a_skip_counted_before_the_campaigns_start_is_kept_once_it_starts() -> None:
    before = Campaign.model_validate({"id": "c3", "skipped": 1})  # only the skip arrived
    assert (before.meeting_id, before.total, before.started_at) == ("", None, None)
    early = domain.campaign_progress(before, sent=0, failed=0, in_flight=0)
    assert early.done and early.skipped == 1
    started = before.model_copy(update={"meeting_id": "m1", "total": 4})
    progress = domain.campaign_progress(started, sent=2, failed=0, in_flight=1)
    assert (progress.pending, progress.skipped, progress.done) == (1, 1, False)
