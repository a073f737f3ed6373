"""German dates and numbers for the templates (Babel via aiq_shared.dates, Europe/Berlin)."""

from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal

from aiq_shared import dates

KINDS = {"company": "Betrieb", "school": "Schule"}
PERSON_KINDS = {
    "contact": "Kontakt",
    "teacher": "Lehrkraft",
    "student": "Schüler*in",
    "guest": "Gast",
}
STATUSES = {"new": "neu", "active": "aktiv", "dormant": "ruhend", "ended": "beendet"}
INTERACTIONS = {
    "note": "Notiz",
    "call": "Anruf",
    "visit": "Besuch",
    "email": "E-Mail",
    "meeting_attendance": "Treffen",
    "meeting_outcome": "Ergebnis eines Treffens",
}
ATTENDANCE = {
    "registered": "angemeldet",
    "waitlisted": "auf der Warteliste",
    "moved_up": "nachgerückt",
    "cancelled": "storniert",
    "checked_in": "eingecheckt",
    "no_show": "nicht erschienen",
}
MEETING_STATUSES = {
    "draft": "Entwurf",
    "published": "veröffentlicht",
    "cancelled": "abgesagt",
    "closed": "abgeschlossen",
}
REGISTRATION_STATUSES = {
    "confirmed": "bestätigt",
    "waitlisted": "Warteliste",
    "cancelled": "storniert",
}
FORMATS = {
    "network_meeting": "Netzwerktreffen",
    "speed_week": "Speed-Woche",
    "school_ag": "Schul-AG",
    "info_session": "Infoveranstaltung",
}
DELIVERY_STATES = {
    "pending": "wartet",
    "sending": "wird gesendet",
    "sent": "gesendet",
    "dead": "fehlgeschlagen",
    "stopped": "angehalten",
}
FOLLOW_UP_KINDS = {
    "internship_offer": "Praktikumsangebot",
    "apprenticeship_offer": "Ausbildungsangebot",
    "school_ag": "Schul-AG",
    "ambassador": "Ausbildungsbotschafter*in",
    "speed_week": "Speed-Woche",
    "visit": "Besuch",
    "call": "Anruf",
    "other": "Sonstiges",
}
PURPOSES = {"invitations": "Einladungen", "newsletter": "Newsletter"}
CONSENT_SOURCES = {
    "staff": "persönlich", "form": "Formular", "email": "per E-Mail", "phone": "am Telefon",
    "double-opt-in": "Bestätigung per E-Mail (Double-Opt-in)", "import": "Import",
    "unsubscribe-link": "Abmeldelink in einer E-Mail",
}  # fmt: skip
EMAIL_KINDS = {
    "invitation": "Einladung",
    "confirmation": "Anmeldebestätigung",
    "waitlist": "Warteliste",
    "promotion": "Nachgerückt",
    "change": "Änderung",
    "cancellation": "Absage des Treffens",
    "reminder": "Erinnerung",
    "day_before": "Erinnerung am Vortag",
    "double_opt_in": "Einwilligungsanfrage",
    "move_up_offer": "Platzangebot",
    "tables": "Thementische",
    "table_choice": "Tischwahl",
    "registration_cancelled": "Stornobestätigung",
    "offer_expired": "Angebot verfallen",
}
AGENDA_KINDS = {
    "welcome": "Begrüßung",
    "keynote": "Vortrag",
    "input": "Impuls",
    "topic_tables": "Thementische",
    "informal": "Ausklang",
    "other": "Sonstiges",
}


def _parse(value: str | date | datetime | None) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, date | datetime):
        return value
    try:
        if "T" in value or " " in value:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return date.fromisoformat(value)
    except ValueError:
        return None


def de_date(value) -> str:
    parsed = _parse(value)
    return dates.short_date(parsed) if parsed else ""


def de_long_date(value) -> str:
    parsed = _parse(value)
    return dates.german_date(parsed) if parsed else ""


def de_datetime(value) -> str:
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        return dates.german_datetime(dates.in_berlin(parsed))
    return dates.short_date(parsed) if parsed else ""


def de_time(value) -> str:
    parsed = _parse(value)
    return dates.clock_time(dates.in_berlin(parsed)) if isinstance(parsed, datetime) else ""


def de_span(starts_at, ends_at) -> str:
    start, end = _parse(starts_at), _parse(ends_at)
    if isinstance(start, datetime) and isinstance(end, datetime):
        return dates.time_span(dates.in_berlin(start), dates.in_berlin(end))
    return de_datetime(starts_at)


def de_number(value) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=dates.LOCALE)


def local_input(value) -> str:
    """A time as ``<input type="datetime-local">`` shows it (Berlin wall clock)."""
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        return dates.in_berlin(parsed).strftime("%Y-%m-%dT%H:%M")
    return value or ""


def label(mapping: dict[str, str], value) -> str:
    return mapping.get(value, value or "") if value is not None else ""


FILTERS = {
    "de_date": de_date,
    "de_long_date": de_long_date,
    "de_datetime": de_datetime,
    "de_time": de_time,
    "de_number": de_number,
    "local_input": local_input,
}
LABELS = {
    "kinds": KINDS,
    "person_kinds": PERSON_KINDS,
    "statuses": STATUSES,
    "interactions": INTERACTIONS,
    "attendance": ATTENDANCE,
    "meeting_statuses": MEETING_STATUSES,
    "registration_statuses": REGISTRATION_STATUSES,
    "formats": FORMATS,
    "delivery_states": DELIVERY_STATES,
    "follow_up_kinds": FOLLOW_UP_KINDS,
    "purposes": PURPOSES,
    "consent_sources": CONSENT_SOURCES,
    "email_kinds": EMAIL_KINDS,
    "agenda_kinds": AGENDA_KINDS,
}
