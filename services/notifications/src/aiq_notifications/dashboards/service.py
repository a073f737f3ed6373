"""Use cases of the district dashboards: describe a meeting on its districts' dashboards,
count what an event changed (in the event's transaction), and read a district's dashboard
or the city overview (with the meetings' deliveries), in the caller's scope: the query asks
only for the districts it covers."""

from __future__ import annotations

from aiq_notifications.dashboards import rules
from aiq_notifications.dashboards.changes import DashboardChanges
from aiq_notifications.dashboards.repository import DashboardsRepository
from aiq_notifications.dashboards.schemas import CityOverview, DeliveryCounts, DistrictDashboard
from aiq_notifications.deliveries.service import Deliveries
from aiq_shared.clock import Clock
from aiq_shared.contracts.meetings import MeetingSnapshot
from aiq_shared.dates import BERLIN
from aiq_shared.mongo import Database, Tx
from aiq_shared.scope import Scope


class Dashboards:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        deliveries: Deliveries,
        changes: DashboardChanges,
    ) -> None:
        self._dashboards = DashboardsRepository(database)
        self._clock = clock
        self._deliveries = deliveries
        self._changes = changes
        self.repositories = (self._dashboards,)

    async def describe(self, meeting: MeetingSnapshot, tx: Tx) -> None:
        """The meeting as its districts' dashboards show it (title, status, start, tables)."""
        for district in meeting.districts:
            await self._dashboards.describe_meeting(
                district, meeting.meeting_id, rules.meeting_fields(meeting), tx.session
            )
        tx.after_commit(self._changes.notify)

    async def count(
        self, district: str, meeting_id: str, increments: dict[str, int], tx: Tx
    ) -> None:
        self._dashboards.count(district, meeting_id, increments, tx)
        tx.after_commit(self._changes.notify)

    async def invited(self, district: str, meeting_id: str, tx: Tx) -> None:
        await self.count(district, meeting_id, {"invited": 1}, tx)

    async def district_dashboard(
        self, scope: Scope, district: str, upcoming: bool = False
    ) -> DistrictDashboard:
        now = self._clock.now()
        docs = await self._dashboards.of_districts(
            scope, [district], rules.upcoming_since(now) if upcoming else None
        )
        today = now.astimezone(BERLIN).date()
        counts = await self._delivery_counts([doc["meeting_id"] for doc in docs], district)
        events = [rules.meeting_counts(doc, counts[doc["meeting_id"]], today) for doc in docs]
        return DistrictDashboard(district=district, events=events)

    async def city_overview(
        self, scope: Scope, districts: list[str], upcoming: bool = False
    ) -> CityOverview:
        """The overview of those of ``districts`` (the city's) that ``scope`` covers."""
        now = self._clock.now()
        visible = scope.visible(districts)
        docs = await self._dashboards.of_districts(
            scope, visible, rules.upcoming_since(now) if upcoming else None
        )
        deliveries = await self._delivery_counts(list({doc["meeting_id"] for doc in docs}), None)
        return rules.city_overview(docs, visible, deliveries, now.astimezone(BERLIN).date())

    async def _delivery_counts(
        self, meeting_ids: list[str], district: str | None
    ) -> dict[str, DeliveryCounts]:
        """Of meetings the caller sees (their emails to ``district``'s people, or all)."""
        tallies = await self._deliveries.tallies_of_meetings(meeting_ids, district)
        return {m: rules.delivery_counts(tally) for m, tally in tallies.items()}
