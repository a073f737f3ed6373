"""Contact history rules: follow-ups and attendance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiq_contacts.history import rules as history
from aiq_contacts.history.schemas import AttendanceStep, FollowUp, Interaction, InteractionWrite
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1, MeetingSummary, Venue
from aiq_shared.contracts.registrations import RegistrationCancelledV1, RegistrationConfirmedV1
from aiq_shared.errors import Unprocessable

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_follow_up_is_about_an_organisation_or_a_person() -> None:
    history.require_subject("o", None)
    history.require_subject(None, "p")
    with pytest.raises(Unprocessable):
        history.require_subject(None, None)


def test_marking_done_twice_keeps_the_first_time() -> None:
    follow_up = FollowUp(id="f", kind="school_ag", title="AG", created_at=NOW)
    done = history.mark_done(follow_up, NOW)
    assert done.status == "done" and done.done_at == NOW
    assert history.mark_done(done, datetime(2027, 1, 1, tzinfo=UTC)).done_at == NOW


def test_a_late_registration_does_not_undo_a_check_in_or_no_show() -> None:
    assert history.attendance_after(None, "registered") == "registered"
    assert history.attendance_after("registered", "checked_in") == "checked_in"
    assert history.attendance_after("checked_in", "registered") == "checked_in"
    assert history.attendance_after("no_show", "registered") == "no_show"
    assert history.attendance_after("no_show", "checked_in") == "checked_in"


def test_history_follows_every_registration_state_the_latest_counts() -> None:
    assert history.attendance_after("registered", "cancelled") == "cancelled"
    assert history.attendance_after("waitlisted", "moved_up") == "moved_up"
    assert history.attendance_after("cancelled", "registered") == "registered"  # came back
    assert history.attendance_after("moved_up", "checked_in") == "checked_in"
    assert history.attendance_after("checked_in", "waitlisted") == "checked_in"  # late news


def _entry(person: str, attendance: str, meeting: str = "m1", day: int = 3):  # type: ignore[no-untyped-def]
    return Interaction(
        id=f"{person}-{meeting}",
        kind="meeting_attendance",
        person_id=person,
        occurred_at=datetime(2026, 12, day, 15, 0, tzinfo=UTC),
        meeting_id=meeting,
        meeting_title=f"Treffen {meeting}",
        attendance=attendance,  # type: ignore[arg-type]
        steps=[AttendanceStep(attendance=attendance, at=NOW)],  # type: ignore[arg-type]
        source_id=f"r-{person}-{meeting}",
    )


def test_an_organisation_stands_where_the_furthest_of_its_people_does() -> None:
    meetings = history.by_meeting(
        [
            _entry("anna", "cancelled"),
            _entry("bernd", "registered"),
            _entry("anna", "cancelled", "m0", day=1),
            _entry("carla", "waitlisted", "m2", day=5),
        ]
    )
    assert [(m.meeting_id, m.attendance) for m in meetings] == [
        ("m2", "waitlisted"),
        ("m1", "registered"),
        ("m0", "cancelled"),
    ]
    assert [(p.person_id, p.attendance) for p in meetings[1].people] == [
        ("anna", "cancelled"),
        ("bernd", "registered"),
    ]
    assert history.by_meeting([_entry("a", "no_show"), _entry("b", "checked_in")])[
        0
    ].attendance == ("checked_in")


def test_an_interaction_time_is_kept_as_the_database_keeps_it() -> None:
    written = InteractionWrite(
        kind="visit", text="Besuch", occurred_at="2026-11-20T10:00:00.123456+01:00"
    )
    assert written.occurred_at == datetime(2026, 11, 20, 9, 0, 0, 123000, tzinfo=UTC)
    assert written.occurred_at.utcoffset() == timedelta(0)


def _registration(kind, **fields):  # type: ignore[no-untyped-def]
    meeting = MeetingSummary(
        meeting_id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 12, 3, 15, tzinfo=UTC),
        ends_at=datetime(2026, 12, 3, 18, tzinfo=UTC),
        venue=Venue(name="Café Durchblick"),
    )
    return kind(
        registration_id="r1",
        meeting=meeting,
        person_id="p",
        display_name="Anna Schmidt",
        district="Hörde",
        organisation_id="o",
        topic_table_ids=[],
        status="confirmed",
        **fields,
    )


def test_a_registrations_one_entry_keeps_every_step_and_the_latest_state() -> None:
    first = history.attendance_entry(
        None, "registered", _registration(RegistrationConfirmedV1), NOW, "e1", ["Hörde"]
    )
    assert (first.id, first.attendance, first.source_id) == ("e1", "registered", "r1")
    assert first.districts == ["Hörde"]
    assert first.occurred_at == datetime(2026, 12, 3, 15, tzinfo=UTC)  # the meeting's start
    later = NOW + timedelta(days=1)
    cancelled = _registration(RegistrationCancelledV1, previous_status="confirmed", reason="person")
    second = history.attendance_entry(first, "cancelled", cancelled, later, "e2", ["Hörde"])
    assert second.id == "e1" and second.attendance == "cancelled"
    assert [(s.attendance, s.at, s.reason) for s in second.steps] == [
        ("registered", NOW, None),
        ("cancelled", later, "person"),
    ]


def test_an_outcome_is_a_note_and_a_follow_up_per_item() -> None:
    outcome = MeetingOutcomeRecordedV1(
        outcome_id="out1",
        meeting_id="m1",
        meeting_title="Netzwerktreffen",
        organisation_id="o",
        person_id="p",
        note="Bietet zwei Praktika an",
        attended=True,
        recorded_by="m.schneider",
        recorded_at=NOW,
        follow_ups=[
            {"kind": "internship_offer", "title": "Praktika", "due": "2027-01-15"},
            {"kind": "school_ag", "title": "AG", "owner": "t.yilmaz"},
        ],
    )
    note = history.outcome_entry(outcome, None, "i1", ["Hörde"])  # the person was erased
    assert (note.kind, note.attendance, note.person_id, note.text) == (
        "meeting_outcome",
        "checked_in",
        None,
        "Bietet zwei Praktika an",
    )
    assert note.districts == ["Hörde"]
    follow_ups = history.outcome_follow_ups(outcome, "p", ["f1", "f2"], NOW, ["Hörde"])
    assert [(f.id, f.owner, f.meeting_id, f.districts) for f in follow_ups] == [
        ("f1", "m.schneider", "m1", ["Hörde"]),  # no owner named: whoever recorded it
        ("f2", "t.yilmaz", "m1", ["Hörde"]),
    ]
