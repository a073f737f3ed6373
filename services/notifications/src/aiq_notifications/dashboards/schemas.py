"""The district dashboards and the city overview as the API answers them, and the chart the
pages draw."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


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
