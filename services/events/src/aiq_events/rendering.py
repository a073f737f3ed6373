"""What the service's HTML pages share (the personal-link pages of ``rsvp`` and the check-in
desk of ``day``): the Jinja2 templates, their stylesheet, the security headers of every page,
reading a posted form, and the words for a refusal and for where a registration sits.
German, no JavaScript; every refusal is a page, never a 500.

Every page is sent with a Content-Security-Policy that allows nothing inline and nothing from
elsewhere (no script at all; the one stylesheet is ``/static/pages.css``), may not be framed,
is never cached, and sends no referrer: the personal links carry their token in the address,
which a referrer would give away to any page linked from them. The check-in desk, once signed
in, has no token in its address and sends ``same-origin`` (its forms must carry our origin).

Forms are plain ``application/x-www-form-urlencoded`` posts, read without extra packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import MAX_UNNAMED, Registration
from aiq_shared.auth import public
from aiq_shared.errors import DomainError

_environment = Environment(
    loader=PackageLoader("aiq_events", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",)),
    undefined=StrictUndefined,
)

HTML = {"content": {"text/html": {}}}

STYLESHEET = "/static/pages.css"
NO_REFERRER, SAME_ORIGIN = "no-referrer", "same-origin"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": NO_REFERRER,
    "Cache-Control": "no-store",
}

# Why something was refused (``reason`` of the domain error), in words for the person.
REFUSALS = {
    "deadline_passed": "Die Anmeldefrist ist abgelaufen. Bitte wenden Sie sich an die "
    "Betriebsakquisiteurin oder den Betriebsakquisiteur in Ihrem Stadtbezirk.",
    "cancelled": "Das Treffen wurde leider abgesagt.",
    "closed": "Das Treffen ist bereits vorbei.",
    "not_open": "Die Anmeldung ist noch nicht geöffnet.",
    "registered_already": "Sie sind bereits angemeldet.",
    "unknown_person": "Wir finden Ihre Kontaktdaten nicht. Bitte wenden Sie sich an die "
    "Betriebsakquisiteurin oder den Betriebsakquisiteur in Ihrem Stadtbezirk.",
    "unknown_table": "Diesen Thementisch gibt es bei diesem Treffen nicht.",
    "table_twice": "Bitte vergeben Sie jede Wahl nur einmal.",
    "cancelled_already": "Ihre Anmeldung ist bereits storniert.",
    "cancelled_registration": "Ihre Anmeldung ist storniert. Melden Sie sich gern neu an.",
    "no_offer": "Für Sie ist gerade kein Platz zur Bestätigung frei.",
    "offer_expired": "Die Frist zur Bestätigung ist abgelaufen; der Platz ging an die nächste "
    "Person auf der Warteliste.",
    "no_seat": "Für diese Anmeldung gibt es keinen bestätigten Platz.",
    "unknown_code": "Diesen Code kennen wir für dieses Treffen nicht.",
    "registered_decline": "Sie sind für dieses Treffen angemeldet. Wenn Sie nicht kommen "
    "können, stornieren Sie bitte Ihre Anmeldung: Ihr Platz geht dann an die nächste Person "
    "auf der Warteliste.",
    "not_a_teacher": "Eine Gruppe kann nur eine Lehrkraft anmelden.",
    "unknown_student": "Diese Schülerin oder diesen Schüler können Sie hier nicht anmelden "
    "(vielleicht schon angemeldet?).",
    "group_size": f"Bitte geben Sie eine Zahl von 0 bis {MAX_UNNAMED} an.",
}
SOMETHING_WRONG = (
    "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal oder wenden Sie sich an "
    "die Betriebsakquisiteurin oder den Betriebsakquisiteur in Ihrem Stadtbezirk."
)


def refusal(error: DomainError) -> str:
    return REFUSALS.get(str(error.extra.get("reason")), SOMETHING_WRONG)


def page(
    template: str,
    status_code: int = 200,
    *,
    referrer_policy: str = NO_REFERRER,
    reload_to: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page with the security headers. ``referrer_policy``: ``no-referrer`` for a page
    whose address may carry a token; ``same-origin`` (SAME_ORIGIN) for a staff page whose forms
    post back with the sign-in cookie, which is honoured only with our ``Origin`` (a browser
    sends ``Origin: null`` with a form posted from a ``no-referrer`` page). ``reload_to``: the
    page loads this address at once (``<meta http-equiv="refresh">``, no script), e.g. itself
    without the token it was signed in with."""
    context.setdefault("message", None)
    context.setdefault("message_kind", "info")
    context.setdefault("details", [])
    html = _environment.get_template(template).render(
        {**context, "referrer_policy": referrer_policy, "reload_to": reload_to}
    )
    headers = {**PAGE_HEADERS, "Referrer-Policy": referrer_policy}
    return HTMLResponse(html, status_code=status_code, headers=headers)


# -- the pages' stylesheet ------------------------------------------------------------------

router = APIRouter()
_STYLES = (files("aiq_events") / "static" / "pages.css").read_text(encoding="utf-8")


@router.get(STYLESHEET, tags=["pages"], include_in_schema=False)
@public
async def stylesheet() -> Response:
    """The one stylesheet of the pages (so their CSP allows no inline style)."""
    return Response(
        _STYLES,
        media_type="text/css",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
    )


async def form_of(request: Request) -> Mapping[str, list[str]]:
    body = await request.body()
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return {}


def seat_lines(meeting: Meeting, registration: Registration) -> list[str]:
    """Where the registration sits or waits at topic tables (or what it chose or ranked)."""
    lines = []
    for seat in registration.table_seats:
        table = meeting.table(seat.topic_table_id)
        title = table.title if table else seat.topic_table_id
        prefix = f"Runde {seat.round}: " if meeting.round_count > 1 else ""
        state = "Platz sicher" if seat.status == "seated" else "Warteliste"
        lines.append(f"{prefix}{title} – {state}")
    if not registration.table_seats and registration.topic_table_ids:
        ranked = meeting.table_selection == "rank"
        for n, table_id in enumerate(registration.topic_table_ids, start=1):
            table = meeting.table(table_id)
            title = table.title if table else table_id
            lines.append(f"{n}. Wahl: {title}" if ranked else title)
    return lines
