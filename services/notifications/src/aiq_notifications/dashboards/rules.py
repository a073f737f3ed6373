"""District dashboards: the counters one registration event moves, and the counters as the
API and the pages show them. Plain Python, no I/O.

The projection is one document per district and meeting: invited, registered, waitlisted,
cancelled and checked-in counts, new versus long-standing partner companies, registrations
per day and registrations per topic table. This module says how an event changes it
(:func:`dashboard_increments`) and turns it into view models (:func:`meeting_counts`,
:func:`city_overview`, :func:`chart`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from aiq_notifications.dashboards.schemas import (
    Bar,
    Chart,
    CityOverview,
    DayCount,
    DeliveryCounts,
    DistrictSummary,
    MeetingCounts,
    TopicTableCount,
)
from aiq_notifications.deliveries.tallies import DeliveryTally
from aiq_notifications.directory.rules import table_titles
from aiq_notifications.registrations.rules import Change, Standing, registration_state
from aiq_shared.contracts.meetings import MeetingSnapshot
from aiq_shared.contracts.registrations import RegistrationSnapshot
from aiq_shared.dates import BERLIN

COUNTERS = ("invited", "registered", "waitlisted", "cancelled", "checked_in")
LONG_STANDING_AFTER = timedelta(days=365)


def meeting_fields(meeting: MeetingSnapshot) -> dict[str, Any]:
    """What a dashboard shows of the meeting itself."""
    return {
        "title": meeting.title,
        "status": meeting.status,
        "starts_at": meeting.starts_at,
        "capacity": meeting.capacity,
        "table_titles": table_titles(meeting),
    }


def upcoming_since(now: datetime) -> datetime:
    """Upcoming meetings: from the start of today, Berlin time."""
    return now.astimezone(BERLIN).replace(hour=0, minute=0, second=0, microsecond=0)


# -- how a registration event counts ------------------------------------------------------------


def partner_standing(partner_since: date | None, at: datetime) -> Standing:
    """A company is a long-standing partner after a year of partnership (``partner_since``),
    whatever its relationship status says; before, or without a known start, it is new."""
    if partner_since is None:
        return "new"
    return "long_standing" if at.date() - partner_since >= LONG_STANDING_AFTER else "new"


def counted_tables(state: str, registration: RegistrationSnapshot) -> list[str]:
    """The topic tables a registration counts for on the dashboard: its chosen (or assigned)
    tables while it holds a seat."""
    return list(registration.topic_table_ids) if state == "confirmed" else []


def _counted_before(
    change: Change, registration: RegistrationSnapshot, previous: str | None
) -> list[str]:
    """What a registration counted for before this event, as far as the event tells (for
    registrations recorded before the read model kept it)."""
    if change == "checked_in" or (change == "cancelled" and previous == "confirmed"):
        return list(registration.topic_table_ids)
    if change == "tables_changed" and registration.status == "confirmed":
        return list(getattr(registration, "previous_topic_table_ids", []))
    return []


def dashboard_increments(
    change: Change,
    registration: RegistrationSnapshot,
    previous: str | None = None,
    day: date | None = None,
    standing: Standing | None = None,
    counted: list[str] | None = None,
) -> dict[str, int]:
    """The counter changes one registration event makes on its district's dashboard.

    ``day`` (Berlin) counts a new registration for the chart of registrations over time;
    Registered, waitlisted, checked-in and cancelled count people (a school group's
    registration holds its whole group's seats, as the capacity does);
    ``standing`` splits registrations between new and long-standing partner companies; ``counted``
    is what the registration counted for at topic tables so far (None: not known): interest
    moves from those tables to the ones it counts for now, so a new choice replaces the old
    one and a cancellation takes it away.
    """
    inc: dict[str, int] = {}

    def add(field: str, n: int) -> None:
        inc[field] = inc.get(field, 0) + n

    people = max(registration.seats, 1)  # a school group's registration: all of it

    def seats(n: int) -> None:
        add("registered", n * people)
        if standing:
            add(f"partners.{standing}", n)  # partner companies count once each

    if change in ("confirmed", "waitlisted") and day is not None:
        add(f"registrations_by_day.{day.isoformat()}", 1)
    if change == "confirmed":
        seats(1)
    elif change == "waitlisted":
        add("waitlisted", people)
    elif change == "promoted":
        add("waitlisted", -people)
        seats(1)
    elif change == "checked_in":
        add("checked_in", people)
    elif change == "cancelled":
        add("cancelled", people)
        if previous == "confirmed":
            seats(-1)
        elif previous == "waitlisted":
            add("waitlisted", -people)
    before = Counter(
        _counted_before(change, registration, previous) if counted is None else counted
    )
    now = Counter(counted_tables(registration_state(change, registration.status), registration))
    for table in sorted(set(before) | set(now)):
        if now[table] != before[table]:
            add(f"table_registrations.{table}", now[table] - before[table])
    return inc


# -- the counters as shown ----------------------------------------------------------------------


def delivery_counts(tally: DeliveryTally) -> DeliveryCounts:
    return DeliveryCounts(
        sent=tally.sent, pending=tally.in_flight, failed=tally.dead, stopped=tally.stopped
    )


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
