"""Dates and times as the pages say them: German, Europe/Berlin. Plain Python."""

from __future__ import annotations

from datetime import datetime

from aiq_events.domain import BERLIN, Meeting

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def german_date(value: datetime) -> str:
    local = value.astimezone(BERLIN)
    return f"{WEEKDAYS[local.weekday()]}, {local.day}. {MONTHS[local.month - 1]} {local.year}"


def when(meeting: Meeting) -> str:
    start, end = meeting.starts_at.astimezone(BERLIN), meeting.ends_at.astimezone(BERLIN)
    if start.date() == end.date():
        return f"{german_date(start)}, {start:%H:%M} bis {end:%H:%M} Uhr"
    return f"{german_date(start)}, {start:%H:%M} Uhr bis {german_date(end)}, {end:%H:%M} Uhr"


def berlin_time(value: datetime) -> str:
    local = value.astimezone(BERLIN)
    return f"{local:%d.%m.%Y, %H:%M} Uhr"


def agenda_lines(meeting: Meeting) -> list[tuple[str | None, str]]:
    """The programme as (time, title): "16:15 Uhr" on the meeting's day, with the date on
    another day, None where no time is given."""
    day = meeting.starts_at.astimezone(BERLIN).date()
    lines = []
    for item in meeting.agenda:
        at = None
        if item.starts_at is not None:
            local = item.starts_at.astimezone(BERLIN)
            at = f"{local:%H:%M} Uhr" if local.date() == day else berlin_time(local)
        lines.append((at, item.title))
    return lines
