"""Email content: German text and HTML, escaping, the .ics, no header injection."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy

from icalendar import Calendar

from aiq_notifications.deliveries import emails, smtp
from aiq_notifications.deliveries.rules import SUBJECTS, Place, RenderedEmail, Seating, subject
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.staff import StaffMember

MADE_AT = datetime.fromisoformat("2026-06-01T09:00:00+00:00")  # when a test's email is made
MEETING = MeetingSummary(
    meeting_id="m1",
    title="Netzwerktreffen <AiQ> & Partner",
    starts_at=datetime.fromisoformat("2026-07-02T16:00:00+02:00"),
    ends_at=datetime.fromisoformat("2026-07-02T19:00:00+02:00"),
    venue={"name": "Café Durchblick", "address": "Dortmund"},
)


def sent_as(rendered: RenderedEmail, **overrides: str) -> email.message.EmailMessage:
    """The message built for Anna, as a mail program parses it off the wire."""
    fields = {
        "sender": "aiq@dortmund.example",
        "sender_name": "Ausbildung im Quartier",
        "recipient": "anna@betrieb.example",
        "recipient_name": "Anna",
        "message_id": "<x@aiq.example>",
        "sent_at": MADE_AT,
        **overrides,
    }
    built = smtp.build_message(rendered=rendered, **fields)
    return email.message_from_bytes(built.as_bytes(), policy=policy.default)  # type: ignore[return-value]


def test_german_dates_in_berlin_time() -> None:
    utc = datetime.fromisoformat("2026-07-02T14:00:00+00:00")
    assert emails.FILTERS["datum"](utc) == "Donnerstag, 2. Juli 2026"
    assert emails.FILTERS["uhrzeit"](utc) == "16:00"


def test_a_time_without_offset_is_berlin_time_and_dates_come_from_the_shared_formatting() -> None:
    from aiq_shared.dates import german_date

    naive = datetime(2026, 3, 19, 16, 20)  # as the API reads an agenda entry's time
    assert emails.FILTERS["uhrzeit"](naive) == "16:20"
    assert (
        emails.FILTERS["datum"](naive) == "Donnerstag, 19. März 2026" == german_date(naive.date())
    )
    entry = Calendar.from_ical(emails.calendar_entry(MEETING, "aiq.example", stamp=MADE_AT))
    assert entry.walk("VEVENT")[0].decoded("DTSTAMP") == MADE_AT  # the time it was made


def test_html_is_escaped_and_text_is_not() -> None:
    rendered = emails.render(
        "waitlist",
        "Warteliste",
        recipient={"display_name": "Eve <script>"},
        meeting=MEETING,
        waitlist_position=3,
    )
    assert "Eve &lt;script&gt;" in rendered.html and "<script>" not in rendered.html
    assert "Netzwerktreffen &lt;AiQ&gt; &amp; Partner" in rendered.html
    assert "Eve <script>" in rendered.text
    assert "Warteliste gesetzt (Platz 3)" in rendered.text
    assert "Donnerstag, 2. Juli 2026, 16:00 bis 19:00 Uhr" in rendered.text


def test_the_calendar_entry_is_a_request_with_the_meetings_uid_in_berlin_time() -> None:
    calendar = Calendar.from_ical(emails.calendar_entry(MEETING, "aiq.example", stamp=MADE_AT))
    assert calendar["METHOD"] == "REQUEST"
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["UID"]) == "m1@aiq.example"
    assert entry["SEQUENCE"] == 0
    assert entry.decoded("DTSTART") == MEETING.starts_at
    assert entry["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert calendar.walk("VTIMEZONE")


def test_a_message_has_text_html_and_the_ics_and_no_injected_headers() -> None:
    rendered = emails.render(
        "confirmation",
        "Anmeldung bestätigt\r\nBcc: evil@example.org",
        ics=emails.calendar_entry(MEETING, "aiq.example", stamp=MADE_AT),
        recipient={"display_name": "Anna"},
        meeting=MEETING,
        seating=Seating(seated=[Place(1, "Speed-Woche")]),
        moved_up=True,
    )
    parsed = sent_as(rendered, recipient_name="Anna\nBcc: evil@example.org")
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"] == "<x@aiq.example>"
    assert "nachgerückt" in parsed.get_body(("plain",)).get_content()
    assert "Speed-Woche" in parsed.get_body(("html",)).get_content()
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"


def test_a_cancellation_withdraws_the_calendar_entry_with_a_higher_sequence() -> None:
    cancelled = MEETING.model_copy(update={"sequence": 2})
    calendar = Calendar.from_ical(
        emails.calendar_entry(cancelled, "aiq.example", "CANCEL", stamp=MADE_AT)
    )
    assert calendar["METHOD"] == "CANCEL"
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["UID"]) == "m1@aiq.example"
    assert entry["SEQUENCE"] == 2
    assert entry["STATUS"] == "CANCELLED"


def test_every_email_offers_one_click_unsubscribe() -> None:
    url = "https://aiq.example/unsubscribe/abc"
    rendered = emails.render(
        "invitation",
        "Einladung",
        unsubscribe_url=url,
        recipient={"display_name": "Anna"},
        meeting=MEETING,
        topic_tables=[],
    )
    assert f"Abmelden: {url}" in rendered.text
    assert f'<a href="{url}">Abmelden</a>' in rendered.html
    message = sent_as(rendered, unsubscribe_url=url)
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_every_email_can_be_previewed_in_german_with_sample_data() -> None:
    from aiq_notifications.deliveries import previews

    assert set(previews.kinds()) == set(SUBJECTS)
    for kind in previews.kinds():
        shown = previews.preview(kind, "aiq.example")
        assert shown is not None
        assert shown.subject == subject(kind, previews.SAMPLE_MEETING.title)
        assert "Erika Mustermann" in shown.text and "Erika Mustermann" in shown.html
        assert "Aylin Yılmaz" in shown.text and "Aylin Yılmaz" in shown.html
        if kind == "double_opt_in":  # not about a meeting; no unsubscribe from a request
            assert "consent/BEISPIEL" in shown.text and previews.SAMPLE_LINK not in shown.html
            continue
        assert "Donnerstag, 19. März 2026" in shown.text
        assert previews.SAMPLE_LINK in shown.html
        assert shown.version == previews.version()
    assert previews.preview("invitation", "x").has_calendar is False
    assert previews.preview("cancellation", "x").has_calendar is True
    assert previews.preview("no-such-email", "x") is None


def test_an_invitation_names_the_deadline_and_the_personal_link() -> None:
    rendered = emails.render(
        "invitation",
        "Einladung",
        unsubscribe_url="u",
        recipient={"display_name": "Anna", "district": "Hörde"},
        meeting=MEETING,
        topic_tables=[],
        registration_deadline=datetime.fromisoformat("2026-06-25T23:59:00+02:00"),
        rsvp_url="https://aiq.example/rsvp/T&K",
    )
    assert "Anmeldeschluss: Donnerstag, 25. Juni 2026, 23:59 Uhr" in rendered.text
    assert "Anmeldeschluss:</strong> Donnerstag, 25. Juni 2026, 23:59 Uhr" in rendered.html
    assert "https://aiq.example/rsvp/T&K" in rendered.text
    assert 'href="https://aiq.example/rsvp/T&amp;K"' in rendered.html
    assert "Ihr Team von Ausbildung im Quartier" in rendered.text  # no officer configured


def test_the_responsible_officer_signs_and_gets_the_replies() -> None:
    officer = StaffMember(
        username="a.yilmaz",
        name="Aylin Yılmaz",
        email="a.yilmaz@dortmund.example",
        phone="0231 50-1",
    )
    rendered = emails.render(
        "waitlist",
        "Warteliste",
        unsubscribe_url="u",
        recipient={"display_name": "Anna", "district": "Hörde"},
        meeting=MEETING,
        waitlist_position=1,
        officer=officer,
    )
    signature = "Aylin Yılmaz\nBetriebsakquise Ausbildung im Quartier, Stadtbezirk Hörde"
    assert signature in rendered.text
    assert "0231 50-1" in rendered.text and "mailto:a.yilmaz@dortmund.example" in rendered.html
    assert (rendered.reply_to, rendered.sender_name) == (officer.email, officer.sender_name)
    message = sent_as(rendered, reply_to=rendered.reply_to, sender_name=rendered.sender_name)
    assert message["Reply-To"] == "a.yilmaz@dortmund.example"
    assert message["From"].addresses[0].display_name == "Aylin Yılmaz · Ausbildung im Quartier"


def test_a_confirmation_carries_the_check_in_code_as_an_inline_qr_code() -> None:
    rendered = emails.render(
        "confirmation",
        "Anmeldung bestätigt",
        check_in_code="Zs3-CODE",
        recipient={"display_name": "Anna"},
        meeting=MEETING,
        moved_up=False,
    )
    assert "Ihr Einlass-Code: Zs3-CODE" in rendered.text
    assert 'src="cid:einlass-qr"' in rendered.html
    parsed = sent_as(rendered)
    (image,) = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<einlass-qr>"
    assert image.get_content().startswith(b"\x89PNG")


AGENDA = [
    {"kind": "welcome", "title": "Begrüßung", "starts_at": "2026-07-02T14:00:00+00:00"},
    {"kind": "input", "title": "Impuls <Praxis>", "starts_at": "2026-07-02T16:20:00"},  # Berlin
    {"kind": "informal", "title": "Ausklang"},
]


def test_invitations_confirmations_and_reminders_show_the_programme_in_berlin_time() -> None:
    meeting = MeetingSummary.model_validate({**MEETING.model_dump(), "agenda": AGENDA})
    for template, extra in (
        ("invitation", {"topic_tables": []}),
        ("confirmation", {"moved_up": False}),
        ("reminder", {}),
        ("day_before", {}),
    ):
        rendered = emails.render(
            template,
            "Betreff",
            unsubscribe_url="u",
            recipient={"display_name": "Anna", "district": "Hörde"},
            meeting=meeting,
            **extra,
        )
        assert "Programm:\n  16:00 Uhr  Begrüßung\n  16:20 Uhr  Impuls <Praxis>\n" in rendered.text
        assert "             Ausklang\n" in rendered.text  # no time given, none shown
        assert "<td>16:00 Uhr</td><td>Begrüßung</td>" in rendered.html.replace(
            ' style="padding-right: 1em; white-space: nowrap; vertical-align: top;"', ""
        )
        assert "Impuls &lt;Praxis&gt;" in rendered.html
    without = emails.render(
        "invitation",
        "Betreff",
        unsubscribe_url="u",
        recipient={"display_name": "Anna"},
        meeting=MEETING,
        topic_tables=[],
    )
    assert "Programm" not in without.text and "Programm" not in without.html


def test_list_unsubscribe_goes_over_smtp_as_a_plain_url_not_encoded_words() -> None:
    from aiosmtplib.email import flatten_message

    from aiq_notifications.privacy import rules as links

    token = links.unsubscribe_token(
        "65f1c2a9e4b0a1b2c3d4e5f6", "a-secret-long-enough-to-sign-with", MADE_AT
    )
    url = f"https://aiq.dortmund.example/notifications/unsubscribe/{token}"
    rendered = emails.render(
        "waitlist",
        "Warteliste: Netzwerktreffen Hörde",
        unsubscribe_url=url,
        recipient={"display_name": "Jürgen", "district": "Hörde"},
        meeting=MEETING,
        waitlist_position=1,
    )
    built = smtp.build_message(
        rendered=rendered,
        sender="aiq@dortmund.example",
        sender_name="Ausbildung im Quartier",
        recipient="juergen@betrieb.example",
        recipient_name="Jürgen Müller",
        message_id="<x@aiq.example>",
        sent_at=MADE_AT,
        unsubscribe_url=url,
    )
    raw = flatten_message(built)  # the bytes aiosmtplib sends
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert b"=?utf-8?q?=3C" not in raw
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["Subject"] == "Warteliste: Netzwerktreffen Hörde"  # other headers as before
    assert parsed["To"].addresses[0].display_name == "Jürgen Müller"


def test_a_confirmation_lists_only_seated_tables_as_yours_and_names_the_students() -> None:
    rendered = emails.render(
        "confirmation",
        "Anmeldung bestätigt",
        recipient={"display_name": "Frau Kaya", "district": "Eving"},
        meeting=MEETING,
        moved_up=False,
        seating=Seating(seated=[Place(1, "Speed-Woche")], waiting=[Place(1, "Schul-AGs")]),
        seats=5,
        group_students=["Lea Kaya", "Tom <B>"],
    )
    text = rendered.text
    assert "Ihre Thementische:\n  - Speed-Woche\n\nAuf der Warteliste" in text
    assert "Warteliste (Sie rücken nach, sobald dort ein Platz frei wird):\n  - Schul-AGs\n" in text
    assert "Plätze für Ihre Gruppe: 5" in text
    assert "Schülerinnen und Schüler:\n  - Lea Kaya\n  - Tom <B>\n" in text
    assert "<li>Tom &lt;B&gt;</li>" in rendered.html
    assert "<strong>5</strong>" in rendered.html
    alone = emails.render(
        "confirmation",
        "Anmeldung bestätigt",
        recipient={"display_name": "Anna"},
        meeting=MEETING,
        moved_up=False,
    )
    assert "Gruppe" not in alone.text and "Thementische" not in alone.text


def test_a_meetings_calendar_entry_is_made_once_a_minute_per_version_and_method() -> None:
    from datetime import timedelta

    from pymongo import AsyncMongoClient

    from aiq_notifications.deliveries.correspondence import Correspondence
    from aiq_notifications.settings import NotificationsSettings
    from aiq_shared.clock import FrozenClock
    from aiq_shared.mongo import Database

    clock = FrozenClock(MADE_AT)
    unused = Database(AsyncMongoClient("mongodb://127.0.0.1:9", connect=False), "x", "/aiq/test")
    mail = Correspondence(unused, NotificationsSettings(), clock, None, None, lambda: None)  # type: ignore[arg-type]

    def stamp(ics: str) -> object:
        return Calendar.from_ical(ics).walk("VEVENT")[0].decoded("dtstamp")

    first = mail.calendar_entry(MEETING)
    clock.advance(timedelta(seconds=30))
    assert mail.calendar_entry(MEETING) is first  # the same for the next recipient
    moved = MEETING.model_copy(update={"sequence": 1, "title": "Netzwerktreffen (verlegt)"})
    assert "verlegt" in mail.calendar_entry(moved)  # a new version of the meeting: made anew
    assert "CANCELLED" in mail.calendar_entry(MEETING, "CANCEL")
    clock.advance(timedelta(seconds=31))
    assert stamp(mail.calendar_entry(MEETING)) == MADE_AT + timedelta(seconds=61)
    assert stamp(first) == MADE_AT
