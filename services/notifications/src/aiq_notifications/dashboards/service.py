"""Use cases of the district dashboards: describe a meeting on its districts' dashboards,
count what an event changed (in the event's transaction), and read a district's dashboard
or the city overview (with the meetings' deliveries), in the caller's scope: the query asks
only for the districts it covers.

Answers are kept for reading again: many people watch one district's dashboard, and it
changes far less often than it is read. A kept answer is dropped at the next change this
process commits (``DashboardChanges``) and lasts ``ANSWER_KEPT_S`` at most, for the changes
another replica commits; readers who come while it is being read wait for that one read.
The JSON API sends the kept answer's JSON as it was written once."""

from __future__ import annotations

from dataclasses import dataclass

from async_lru import alru_cache
from pydantic import BaseModel

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

ANSWER_KEPT_S = 1.0
ANSWERS_KEPT_AT_MOST = 256


@dataclass(frozen=True)
class Kept[M: BaseModel]:
    """An answer as read, and its JSON."""

    answer: M
    json: bytes

    @classmethod
    def of(cls, answer: M) -> Kept[M]:
        return cls(answer, answer.model_dump_json().encode())


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
        keep = alru_cache(maxsize=ANSWERS_KEPT_AT_MOST, ttl=ANSWER_KEPT_S)
        self._district_answers = keep(self._district_dashboard)
        self._city_answers = keep(self._city_overview)
        changes.listen(self._forget_answers)

    def _forget_answers(self) -> None:
        self._district_answers.cache_clear()
        self._city_answers.cache_clear()

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
    ) -> Kept[DistrictDashboard]:
        return await self._district_answers(scope, district, upcoming)

    async def city_overview(
        self, scope: Scope, districts: list[str], upcoming: bool = False
    ) -> Kept[CityOverview]:
        """The overview of those of ``districts`` (the city's) that ``scope`` covers."""
        return await self._city_answers(scope, tuple(districts), upcoming)

    async def _district_dashboard(
        self, scope: Scope, district: str, upcoming: bool
    ) -> Kept[DistrictDashboard]:
        now = self._clock.now()
        docs = await self._dashboards.of_districts(
            scope, [district], rules.upcoming_since(now) if upcoming else None
        )
        today = now.astimezone(BERLIN).date()
        counts = await self._delivery_counts([doc["meeting_id"] for doc in docs], district)
        events = [rules.meeting_counts(doc, counts[doc["meeting_id"]], today) for doc in docs]
        return Kept.of(DistrictDashboard(district=district, events=events))

    async def _city_overview(
        self, scope: Scope, districts: tuple[str, ...], upcoming: bool
    ) -> Kept[CityOverview]:
        now = self._clock.now()
        visible = scope.visible(districts)
        docs = await self._dashboards.of_districts(
            scope, visible, rules.upcoming_since(now) if upcoming else None
        )
        deliveries = await self._delivery_counts(list({doc["meeting_id"] for doc in docs}), None)
        today = now.astimezone(BERLIN).date()
        return Kept.of(rules.city_overview(docs, visible, deliveries, today))

    async def _delivery_counts(
        self, meeting_ids: list[str], district: str | None
    ) -> dict[str, DeliveryCounts]:
        """Of meetings the caller sees (their emails to ``district``'s people, or all)."""
        tallies = await self._deliveries.tallies_of_meetings(meeting_ids, district)
        return {m: rules.delivery_counts(tally) for m, tally in tallies.items()}
