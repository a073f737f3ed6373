"""District dashboards and the city overview as the API and the pages show them: per event
invited, registered, waitlisted, cancelled and checked-in counts, new versus long-standing
partner companies, registrations over time, topic tables by interest, and deliveries.

The counters are a projection kept by ``service.py`` from the events it consumes (one
document per district and meeting); this module turns those documents into view models
(pure), and ``DashboardChanges`` tells live pages (Server-Sent Events) that something moved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from aiq_notifications.domain import BERLIN
from aiq_shared.contracts.meetings import MeetingSnapshot

COUNTERS = ("invited", "registered", "waitlisted", "cancelled", "checked_in")


class TopicTableCount(BaseModel):
    topic_table_id: str
    title: str | None = None
    registrations: int = 0


class DayCount(BaseModel):
    day: date
    registrations: int
    total: int  # registrations up to and including that day


class DeliveryCounts(BaseModel):
    sent: int = 0
    pending: int = 0
    failed: int = 0
    stopped: int = 0  # not sent since the meeting was cancelled: no failure


class MeetingCounts(BaseModel):
    meeting_id: str
    title: str | None = None
    status: str | None = None
    starts_at: datetime | None = None
    capacity: int | None = None
    invited: int = 0
    registered: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    checked_in: int = 0
    new_partners: int = 0
    long_standing_partners: int = 0
    registrations_over_time: list[DayCount] = []
    topic_tables: list[TopicTableCount]
    deliveries: DeliveryCounts = DeliveryCounts()


class DistrictDashboard(BaseModel):
    district: str
    events: list[MeetingCounts]


class DistrictSummary(BaseModel):
    district: str
    events: int
    invited: int
    registered: int
    waitlisted: int
    checked_in: int


class CityOverview(BaseModel):
    districts: list[DistrictSummary]
    events: list[MeetingCounts]


def meeting_fields(meeting: MeetingSnapshot) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "status": meeting.status,
        "starts_at": meeting.starts_at,
        "capacity": meeting.capacity,
        "table_titles": {t.topic_table_id: t.title for t in meeting.topic_tables},
    }


def over_time(
    by_day: dict[str, int], today: date | None = None, at_least: int = 14
) -> list[DayCount]:
    """Registrations per day with the running total, every day from the first to the last
    (up to ``today``, and over ``at_least`` days, so a young campaign has a time axis)."""
    if not by_day:
        return []
    days = sorted(date.fromisoformat(d) for d in by_day)
    last = max(days[-1], today) if today else days[-1]
    first = min(days[0], last - timedelta(days=at_least - 1)) if today else days[0]
    series, total, day = [], 0, first
    while day <= last:
        count = by_day.get(day.isoformat(), 0)
        total += count
        series.append(DayCount(day=day, registrations=count, total=total))
        day += timedelta(days=1)
    return series


def meeting_counts(
    doc: dict[str, Any], deliveries: DeliveryCounts | None = None, today: date | None = None
) -> MeetingCounts:
    titles: dict[str, str] = doc.get("table_titles", {})
    registrations: dict[str, int] = doc.get("table_registrations", {})
    table_ids = list(titles) + [t for t in registrations if t not in titles]
    partners: dict[str, int] = doc.get("partners", {})
    tables = [
        TopicTableCount(
            topic_table_id=t, title=titles.get(t), registrations=registrations.get(t, 0)
        )
        for t in table_ids
    ]
    return MeetingCounts(
        meeting_id=doc["meeting_id"],
        title=doc.get("title"),
        status=doc.get("status"),
        starts_at=doc["starts_at"].astimezone(BERLIN) if doc.get("starts_at") else None,
        capacity=doc.get("capacity"),
        **{name: doc.get(name, 0) for name in COUNTERS},
        new_partners=partners.get("new", 0),
        long_standing_partners=partners.get("long_standing", 0),
        registrations_over_time=over_time(doc.get("registrations_by_day", {}), today),
        topic_tables=sorted(tables, key=lambda t: -t.registrations),  # by interest
        deliveries=deliveries or DeliveryCounts(),
    )


def _sum_docs(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One meeting's district documents added up (for the city overview)."""
    merged: dict[str, Any] = {**docs[0]}
    for name in COUNTERS:
        merged[name] = sum(d.get(name, 0) for d in docs)
    for field in ("table_registrations", "partners", "registrations_by_day"):
        total: dict[str, int] = {}
        for doc in docs:
            for key, value in doc.get(field, {}).items():
                total[key] = total.get(key, 0) + value
        merged[field] = total
    return merged


def city_overview(
    docs: Iterable[dict[str, Any]],
    districts: list[str],
    deliveries: dict[str, DeliveryCounts],
    today: date | None = None,
) -> CityOverview:
    by_meeting: dict[str, list[dict[str, Any]]] = {}
    by_district: dict[str, list[dict[str, Any]]] = {d: [] for d in districts}
    for doc in docs:
        by_meeting.setdefault(doc["meeting_id"], []).append(doc)
        by_district.setdefault(doc["district"], []).append(doc)
    events = [
        meeting_counts(_sum_docs(group), deliveries.get(meeting_id), today)
        for meeting_id, group in by_meeting.items()
    ]
    events.sort(key=lambda e: (e.starts_at is None, e.starts_at))
    summaries = [
        DistrictSummary(
            district=district,
            events=len({d["meeting_id"] for d in group}),
            invited=sum(d.get("invited", 0) for d in group),
            registered=sum(d.get("registered", 0) for d in group),
            waitlisted=sum(d.get("waitlisted", 0) for d in group),
            checked_in=sum(d.get("checked_in", 0) for d in group),
        )
        for district, group in by_district.items()
    ]
    return CityOverview(districts=summaries, events=events)


class DashboardChanges:
    """Wakes live dashboard streams after a commit that moved a counter (in this process).

    Streams also look again every few seconds, so a change made by another replica shows
    up too, only later.
    """

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()  # later waiters wait for the next change

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll, not an I/O timeout
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)


# -- the chart of registrations over time (SVG geometry; the page template draws it) ----------


class Bar(BaseModel):
    x: float
    y: float
    width: float
    height: float
    day: date
    registrations: int


class Chart(BaseModel):
    width: int
    height: int
    bars: list[Bar]
    line: str  # SVG polyline points of the running total
    total: int
    first_day: date | None = None
    last_day: date | None = None


def chart(series: list[DayCount], width: int = 360, height: int = 120) -> Chart:
    """Daily registrations as bars, the running total as a line, both scaled to the total."""
    if not series:
        return Chart(width=width, height=height, bars=[], line="", total=0)
    top = max(series[-1].total, 1)
    step = width / len(series)
    bars, points = [], []
    for i, day in enumerate(series):
        bar_height = height * day.registrations / top
        bars.append(
            Bar(
                x=round(i * step + step * 0.15, 1),
                y=round(height - bar_height, 1),
                width=round(step * 0.7, 1),
                height=round(bar_height, 1),
                day=day.day,
                registrations=day.registrations,
            )
        )
        points.append(
            f"{round(i * step + step / 2, 1)},{round(height - height * day.total / top, 1)}"
        )
    return Chart(
        width=width,
        height=height,
        bars=bars,
        line=" ".join(points),
        total=series[-1].total,
        first_day=series[0].day,
        last_day=series[-1].day,
    )
