"""What notifications keeps of other services' data: whom it may write to, and a meeting as
its emails show it."""

from __future__ import annotations

from aiq_notifications.directory.rules import Recipient, known_meeting
from aiq_shared.contracts.meetings import MeetingPublishedV1


def recipient(person_id: str, district: str, email: str | None, consent: bool) -> Recipient:
    return Recipient(
        id=person_id, display_name="X", email=email, district=district, email_consent=consent
    )


def test_only_people_with_consent_and_an_address_are_reachable() -> None:
    assert recipient("yes", "Hörde", "a@x.example", True).reachable
    assert not recipient("no-consent", "Hörde", "b@x.example", False).reachable
    assert not recipient("no-email", "Eving", None, True).reachable


def test_a_meeting_is_kept_with_its_programme_in_berlin_time_and_its_tables() -> None:
    meeting = MeetingPublishedV1(
        meeting_id="m1",
        title="Netzwerktreffen",
        starts_at="2026-07-02T16:00:00+02:00",
        ends_at="2026-07-02T19:00:00+02:00",
        venue={"name": "Café Durchblick"},
        capacity=20,
        districts=["Hörde"],
        topic_tables=[{"topic_table_id": "t1", "title": "Speed-Woche", "capacity": 5}],
        status="published",
        agenda=[
            {"kind": "welcome", "title": "Begrüßung", "starts_at": "2026-07-02T16:00:00"},
            {"kind": "informal", "title": "Ausklang"},
        ],
    )
    kept = known_meeting(meeting)
    welcome, informal = kept["agenda"]
    assert welcome["starts_at"].isoformat() == "2026-07-02T16:00:00+02:00"  # read as Berlin
    assert informal["starts_at"] is None
    assert kept["table_titles"] == {"t1": "Speed-Woche"}
    assert (kept["meeting_id"], kept["status"], kept["districts"]) == ("m1", "published", ["Hörde"])
