"""What each email says: German Jinja2 templates (text and HTML), an .ics for confirmations;
and the service's public pages, from the same templates.

Rendering is pure: data in, strings out (times given, never read from a clock). HTML
templates autoescape; dates are German (``aiq_shared.dates``), in Berlin time.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from aiq_notifications.deliveries.rules import RenderedEmail, Seating
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.dates import BERLIN, clock_time, german_date, in_berlin
from aiq_shared.staff import StaffMember

# The templates' filters: a time without offset is Berlin time already (as the APIs read it).
FILTERS = {
    "datum": lambda value: german_date(in_berlin(value)),  # Donnerstag, 2. Juli 2026
    "uhrzeit": lambda value: clock_time(in_berlin(value)),  # 16:00
}

_environment = Environment(
    loader=PackageLoader("aiq_notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_environment.filters.update(FILTERS)


QR_CID = "einlass-qr"


def render(
    template: str,
    subject: str,
    ics: str | None = None,
    ics_method: str = "REQUEST",
    unsubscribe_url: str | None = None,
    check_in_code: str | None = None,
    officer: StaffMember | None = None,
    **context: object,
) -> RenderedEmail:
    context = {
        "subject": subject,
        "unsubscribe_url": unsubscribe_url,
        "check_in_code": check_in_code,
        "qr_cid": QR_CID,
        "officer": officer,
        "registration_deadline": None,
        "rsvp_url": None,
        "decline_url": None,
        "seating": Seating(),
        "seats": 1,
        "group_students": [],
        **context,
    }
    return RenderedEmail(
        subject=subject,
        text=_environment.get_template(f"{template}.txt.j2").render(context),
        html=_environment.get_template(f"{template}.html.j2").render(context),
        ics=ics,
        ics_method=ics_method,
        unsubscribe_url=unsubscribe_url,
        check_in_code=check_in_code,
        sender_name=officer.sender_name if officer else None,
        reply_to=str(officer.email) if officer else None,
    )


def calendar_entry(
    meeting: MeetingSummary, uid_domain: str, method: str = "REQUEST", *, stamp: datetime
) -> str:
    """An iCalendar entry whose UID is the meeting's: a later REQUEST with a higher SEQUENCE
    replaces it in place, a CANCEL removes it. ``stamp`` is when it was made (DTSTAMP)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ausbildung im Quartier//AiQ CRM//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    entry = CalendarEvent()
    entry.add("uid", f"{meeting.meeting_id}@{uid_domain}")
    entry.add("dtstamp", stamp)
    entry.add("dtstart", meeting.starts_at.astimezone(BERLIN))
    entry.add("dtend", meeting.ends_at.astimezone(BERLIN))
    entry.add("summary", meeting.title)
    location = ", ".join(p for p in (meeting.venue.name, meeting.venue.address) if p)
    entry.add("location", location)
    entry.add("sequence", meeting.sequence)
    if method == "CANCEL":
        entry.add("status", "CANCELLED")
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def render_page(template: str, **context: object) -> str:
    """A public HTML page (autoescaped, like every HTML template)."""
    return _environment.get_template(template).render(context)
