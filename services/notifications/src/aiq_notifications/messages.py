"""What each email says: German Jinja2 templates (text and HTML), an .ics for confirmations.

Rendering is pure: data in, strings out. HTML templates autoescape; the message itself is
assembled by the ``email`` library (no hand-built headers, so no header injection).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import segno
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from aiq_notifications.seating import Seating
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.staff import StaffMember

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def in_berlin(value: datetime) -> datetime:
    """Berlin time; a time without offset is Berlin time already (as the APIs read it)."""
    return value.replace(tzinfo=BERLIN) if value.tzinfo is None else value.astimezone(BERLIN)


def datum(value: datetime) -> str:
    local = in_berlin(value)
    return f"{WEEKDAYS[local.weekday()]}, {local.day}. {MONTHS[local.month - 1]} {local.year}"


def uhrzeit(value: datetime) -> str:
    return in_berlin(value).strftime("%H:%M")


_environment = Environment(
    loader=PackageLoader("aiq_notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_environment.filters["datum"] = datum
_environment.filters["uhrzeit"] = uhrzeit


SUBJECTS = {
    "invitation": "Einladung: {title}",
    "confirmation": "Anmeldung bestätigt: {title}",
    "waitlist": "Warteliste: {title}",
    "promotion": "Anmeldung bestätigt: {title}",
    "change": "Geänderte Veranstaltung: {title}",
    "cancellation": "Abgesagt: {title}",
    "reminder": "Erinnerung: Anmeldung zu {title}",
    "day_before": "Morgen: {title}",
    "double_opt_in": "Bitte bestätigen: E-Mails von Ausbildung im Quartier",
    "move_up_offer": "Ein Platz ist frei: {title}",
    "tables": "Ihre Thementische: {title}",
    "table_choice": "Thementische gespeichert: {title}",
    "registration_cancelled": "Absage erhalten: {title}",
    "offer_expired": "Platzangebot abgelaufen: {title}",
}
PURPOSES = {
    "invitations": "Einladungen zu Treffen und Veranstaltungen von Ausbildung im Quartier",
    "newsletter": "den Newsletter von Ausbildung im Quartier",
}


def subject(kind: str, title: str) -> str:
    return SUBJECTS[kind].format(title=title)


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    ics: str | None = None
    ics_method: str = "REQUEST"
    unsubscribe_url: str | None = None
    check_in_code: str | None = None
    # who signed it: the sender's display name and where replies go (Reply-To)
    sender_name: str | None = None
    reply_to: str | None = None


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


def calendar_entry(meeting: MeetingSummary, uid_domain: str, method: str = "REQUEST") -> str:
    """An iCalendar entry whose UID is the meeting's: a later REQUEST with a higher SEQUENCE
    replaces it in place, a CANCEL removes it."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ausbildung im Quartier//AiQ CRM//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    entry = CalendarEvent()
    entry.add("uid", f"{meeting.meeting_id}@{uid_domain}")
    entry.add("dtstamp", datetime.now(UTC))
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


def one_line(value: str) -> str:
    """Names go into headers: line breaks and other control characters become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


QR_CID = "einlass-qr"


def qr_png(code: str) -> bytes:
    """The check-in code as a QR code (PNG) that staff scan at the door."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def render_page(template: str, **context: object) -> str:
    """A public HTML page (autoescaped, like every HTML template)."""
    return _environment.get_template(template).render(context)


class _VerbatimHeader(UnstructuredHeader):
    """A header written exactly as given, on one line: ``List-Unsubscribe`` must be the plain
    ``<https://...>`` form (RFC 2369, RFC 8058), which mail programs read as a URL. Folded like
    other text, a long URL without spaces became RFC 2047 encoded words (``=?utf-8?q?=3Chttp``),
    and no mail program saw a link. (Lines up to 998 characters are fine for SMTP.)"""

    def fold(self, *, policy: email_policy.Policy) -> str:  # type: ignore[override]
        return f"{self.name}: {self}{policy.linesep}"


_headers = HeaderRegistry()
_headers.map_to_type("list-unsubscribe", _VerbatimHeader)
POLICY = email_policy.default.clone(header_factory=_headers)


def build_message(
    *,
    rendered: RenderedEmail,
    sender: str,
    sender_name: str,
    recipient: str,
    recipient_name: str,
    message_id: str,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = one_line(rendered.subject)
    message["From"] = Address(display_name=one_line(sender_name), addr_spec=sender)
    message["To"] = Address(display_name=one_line(recipient_name), addr_spec=recipient)
    message["Message-ID"] = message_id
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(datetime.now(UTC))
    if unsubscribe_url:
        # RFC 8058 one-click: mail programs POST "List-Unsubscribe=One-Click" to the URL
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if rendered.check_in_code:
        html_part = message.get_payload()[-1]
        html_part.add_related(
            qr_png(rendered.check_in_code),
            maintype="image",
            subtype="png",
            cid=f"<{QR_CID}>",
            filename="einlass-qr.png",
        )
    if rendered.ics:
        message.add_attachment(
            rendered.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="termin.ics",
            params={"method": rendered.ics_method},
        )
    return message
