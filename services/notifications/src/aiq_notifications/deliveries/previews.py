"""Every email with sample data, as a recipient would see it (GET /templates/.../preview).

The sample is the seed meeting: a Netzwerktreffen at Café Durchblick, Thursday 16:00.
Templates ship with the service; their version is a digest of their sources, so a preview
says exactly which wording it shows.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from importlib import resources

from aiq_notifications.deliveries import emails
from aiq_notifications.deliveries.rules import PURPOSES, Place, Seating, subject
from aiq_notifications.deliveries.schemas import TemplatePreview
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.staff import StaffMember

SAMPLE_MEETING = MeetingSummary(
    meeting_id="beispiel",
    title="Netzwerktreffen Ausbildung im Quartier",
    starts_at=datetime.fromisoformat("2026-03-19T16:00:00+01:00"),
    ends_at=datetime.fromisoformat("2026-03-19T19:00:00+01:00"),
    venue={"name": "Café Durchblick", "address": "Dortmund"},
    agenda=[
        {
            "kind": "welcome",
            "title": "Ankommen und Begrüßung",
            "starts_at": "2026-03-19T16:00+01:00",
        },
        {
            "kind": "input",
            "title": "Impuls: Ausbildung im Quartier",
            "starts_at": "2026-03-19T16:20+01:00",
        },
        {"kind": "topic_tables", "title": "Thementische", "starts_at": "2026-03-19T16:45+01:00"},
        {"kind": "informal", "title": "Ausklang mit Imbiss"},
    ],
)
SAMPLE_RECIPIENT = {"display_name": "Erika Mustermann", "district": "Hörde"}
SAMPLE_OFFICER = StaffMember(
    username="a.yilmaz",
    name="Aylin Yılmaz",
    email="a.yilmaz@aiq.dortmund.example",
    phone="0231 50-12345",
    districts=["Hörde"],
)
SAMPLE_MADE_AT = datetime.fromisoformat("2026-03-01T09:00:00+00:00")  # the .ics's DTSTAMP
SAMPLE_DEADLINE = datetime.fromisoformat("2026-03-12T23:59:00+01:00")
SAMPLE_TABLES = [
    {"topic_table_id": "t1", "title": "Schul-AGs in Unternehmen", "capacity": 10},
    {"topic_table_id": "t2", "title": "Azubis als Botschafter*innen", "capacity": 10},
]
SAMPLE_LINK = "https://aiq.example.org/notifications/unsubscribe/BEISPIEL"

_SAMPLES: dict[str, dict[str, object]] = {
    "invitation": {
        "topic_tables": SAMPLE_TABLES,
        "registration_deadline": SAMPLE_DEADLINE,
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
        "decline_url": "https://aiq.example.org/events/rsvp/BEISPIEL/decline",
    },
    "confirmation": {
        "seating": Seating(
            seated=[Place(1, "Schul-AGs in Unternehmen")], waiting=[Place(1, "Speed-Woche")]
        ),
        "moved_up": False,
        "check_in_code": "BEISPIEL-CODE",
    },
    "waitlist": {"waitlist_position": 2},
    "promotion": {
        "seating": Seating(seated=[Place(1, "Schul-AGs in Unternehmen")]),
        "moved_up": True,
        "check_in_code": "BEISPIEL-CODE",
    },
    "change": {"changed": "Beginn, Ende", "with_calendar": True},
    "cancellation": {"with_calendar": True},
    "reminder": {
        "registration_deadline": SAMPLE_DEADLINE,
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
        "decline_url": "https://aiq.example.org/events/rsvp/BEISPIEL/decline",
    },
    "day_before": {"check_in_code": "BEISPIEL-CODE"},
    "move_up_offer": {
        "offer_expires_at": datetime.fromisoformat("2026-03-17T12:00:00+01:00"),
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
    },
    "tables": {
        "reason": "assignment",
        "seating": Seating(
            seated=[Place(1, "Speed-Woche"), Place(2, "Schul-AGs in Unternehmen")],
            waiting=[Place(2, "Azubis als Botschafter*innen")],
        ),
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
    },
    "table_choice": {
        "reason": "choice",
        "seating": Seating(chosen=["Azubis als Botschafter*innen", "Speed-Woche"]),
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
    },
    "registration_cancelled": {
        "previous_status": "confirmed",
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
    },
    "offer_expired": {
        "previous_status": "waitlisted",
        "rsvp_url": "https://aiq.example.org/events/rsvp/BEISPIEL",
    },
    "double_opt_in": {
        "confirm_url": "https://aiq.example.org/notifications/consent/BEISPIEL",
        "purpose_text": PURPOSES["invitations"],
    },
}
_TEMPLATE_OF: dict[str, str] = {"promotion": "confirmation", "table_choice": "tables"}


def kinds() -> list[str]:
    return list(_SAMPLES)


def version() -> str:
    """A digest of all template sources: changes whenever any wording does."""
    digest = hashlib.sha256()
    folder = resources.files("aiq_notifications") / "templates"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        digest.update(entry.name.encode())
        digest.update(entry.read_bytes())
    return digest.hexdigest()[:12]


def preview(kind: str, uid_domain: str) -> TemplatePreview | None:
    context = _SAMPLES.get(kind)
    if context is None:
        return None
    calendar = kind in ("confirmation", "promotion", "change", "cancellation")
    rendered = emails.render(
        _TEMPLATE_OF.get(kind, kind),
        subject(kind, SAMPLE_MEETING.title),
        ics=(
            emails.calendar_entry(
                SAMPLE_MEETING,
                uid_domain,
                "CANCEL" if kind == "cancellation" else "REQUEST",
                stamp=SAMPLE_MADE_AT,
            )
            if calendar
            else None
        ),
        unsubscribe_url=None if kind == "double_opt_in" else SAMPLE_LINK,
        recipient=SAMPLE_RECIPIENT,
        meeting=SAMPLE_MEETING,
        officer=SAMPLE_OFFICER,
        **context,
    )
    return TemplatePreview(
        kind=kind,  # type: ignore[arg-type]
        version=version(),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        has_calendar=rendered.ics is not None,
    )
