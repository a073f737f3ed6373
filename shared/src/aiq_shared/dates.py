"""Times in the programme's time zone and German dates, written once (Babel, CLDR de_DE).

Every time the services accept is Europe/Berlin: a time without offset is read as Berlin time
(:data:`BerlinTime`), an aware one converted. Pages and emails format with the functions
here, so "Donnerstag, 16. April 2026, 16:00 Uhr" reads the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from pydantic import AfterValidator

BERLIN = ZoneInfo("Europe/Berlin")
LOCALE = "de_DE"


def in_berlin(value: datetime) -> datetime:
    """A naive time is read as Berlin time; an aware one is converted to it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=BERLIN)
    return value.astimezone(BERLIN)


# A time read as Europe/Berlin (naive) or converted to it (aware).
BerlinTime = Annotated[datetime, AfterValidator(in_berlin)]


def _local(value: datetime) -> datetime:
    return value.astimezone(BERLIN)


def german_date(value: datetime | date) -> str:
    """``Donnerstag, 16. April 2026`` (a datetime is taken in Berlin time)."""
    day = _local(value).date() if isinstance(value, datetime) else value
    return format_date(day, "EEEE, d. MMMM y", locale=LOCALE)


def short_date(value: datetime | date) -> str:
    """``16.04.2026``."""
    day = _local(value).date() if isinstance(value, datetime) else value
    return format_date(day, "dd.MM.y", locale=LOCALE)


def clock_time(value: datetime) -> str:
    """``16:00`` (Berlin time)."""
    return format_datetime(_local(value), "HH:mm", tzinfo=BERLIN, locale=LOCALE)


def german_datetime(value: datetime) -> str:
    """``16.04.2026, 16:00 Uhr`` (Berlin time)."""
    return f"{short_date(value)}, {clock_time(value)} Uhr"


def time_span(starts_at: datetime, ends_at: datetime) -> str:
    """``Donnerstag, 16. April 2026, 16:00 bis 19:00 Uhr`` (over two days: both dates)."""
    start, end = _local(starts_at), _local(ends_at)
    if start.date() == end.date():
        return f"{german_date(start)}, {clock_time(start)} bis {clock_time(end)} Uhr"
    return (
        f"{german_date(start)}, {clock_time(start)} Uhr bis "
        f"{german_date(end)}, {clock_time(end)} Uhr"
    )
