"""The service's readings on ``/metrics``, taken by a worker: the invitations of running
campaigns by state every few seconds (``aiq_campaign_invitations``, read from their tallies;
a campaign's series go once it is done), and emails by state every
``DELIVERY_COUNTS_EVERY_S`` (a minute: ``aiq_deliveries`` is counted over every delivery,
which on the embedded MongoDB reads each one).

Each replica reads the whole database, so every replica reports the same numbers: aggregate
them with ``max`` (not ``sum``) across replicas.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from aiq_notifications.campaigns.service import Campaigns
from aiq_notifications.deliveries.service import Deliveries
from aiq_shared.clock import Clock
from aiq_shared.metrics import CAMPAIGN_INVITATIONS, DELIVERIES

READ_EVERY_S = 5.0
# campaigns started longer ago are not looked at (they are long done)
RUNNING_FOR_AT_MOST = timedelta(days=14)
CAMPAIGN_STATES = ("sent", "pending", "failed", "skipped", "stopped")


class Readings:
    def __init__(
        self,
        clock: Clock,
        deliveries: Deliveries,
        campaigns: Campaigns,
        count_deliveries_every_s: float = 60.0,
    ) -> None:
        self._clock = clock
        self._count_every = max(1, round(count_deliveries_every_s / READ_EVERY_S))  # ticks
        self._deliveries = deliveries
        self._campaigns = campaigns
        self._shown: set[str] = set()  # campaigns with series on /metrics
        self._ticks = 0

    async def tick(self) -> bool:
        if self._ticks % self._count_every == 0:
            for state, n in (await self._deliveries.counts_by_state()).items():
                DELIVERIES.labels(state=state).set(n)
        self._ticks += 1
        running = await self._campaigns.running(self._clock.now() - RUNNING_FOR_AT_MOST)
        for progress in running:
            for state in CAMPAIGN_STATES:
                CAMPAIGN_INVITATIONS.labels(campaign=progress.campaign_id, state=state).set(
                    getattr(progress, state)
                )
        now_shown = {p.campaign_id for p in running}
        for campaign_id in self._shown - now_shown:
            for state in CAMPAIGN_STATES:
                with contextlib.suppress(KeyError):  # (another app in this process took it)
                    CAMPAIGN_INVITATIONS.remove(campaign_id, state)
        self._shown = now_shown
        return False
