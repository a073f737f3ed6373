"""Meeting rules: Berlin time, publication, changes, cancellation, the programme."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from aiq_events.meetings import rules
from aiq_events.meetings.schemas import AgendaItem, Meeting, MeetingChange, MeetingCreate
from aiq_events.registrations.rules import check_registration
from aiq_events.registrations.schemas import RegistrationCreate
from aiq_shared.dates import in_berlin
from aiq_shared.errors import Conflict, Unprocessable

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
T0 = datetime(2026, 3, 19, 15, tzinfo=UTC)


def change(meeting: Meeting, update: MeetingChange) -> tuple[Meeting, list[str]]:
    """A change of a meeting without registrations (tests/unit/test_events_meeting_changes.py
    has the rules that registrations add)."""
    return rules.change(meeting, update, [], lambda: "new-table")


def meeting(**changes) -> Meeting:
    base = Meeting(
        id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 3, 19, 16),
        ends_at=datetime(2026, 3, 19, 19),
        venue={"name": "Café Durchblick"},
        capacity=2,
        districts=["Hörde"],
        topic_tables=[{"id": "t1", "title": "Speed-Woche", "capacity": 5}],
        status="published",
    )
    return base.model_copy(update=changes)


def test_times_without_offset_are_berlin_time_and_others_are_converted() -> None:
    winter = in_berlin(datetime(2026, 3, 19, 16))
    assert winter.isoformat() == "2026-03-19T16:00:00+01:00"
    summer = in_berlin(datetime(2026, 7, 2, 14, tzinfo=UTC))
    assert summer.isoformat() == "2026-07-02T16:00:00+02:00"


def test_a_meeting_must_end_after_it_starts_and_not_repeat_districts() -> None:
    body = {
        "title": "T",
        "starts_at": "2026-03-19T16:00:00",
        "ends_at": "2026-03-19T15:00:00",
        "venue": {"name": "V"},
        "capacity": 5,
        "districts": ["Hörde"],
    }
    with pytest.raises(ValidationError, match="ends_at"):
        MeetingCreate.model_validate(body)
    with pytest.raises(ValidationError, match="repeat"):
        MeetingCreate.model_validate(
            {**body, "ends_at": "2026-03-19T19:00:00", "districts": ["Hörde", "Hörde"]}
        )


def test_unknown_districts_are_refused_by_name() -> None:
    with pytest.raises(Unprocessable, match="Atlantis"):
        rules.check_districts(["Hörde", "Atlantis"], ["Hörde", "Eving"])


def test_a_meeting_is_published_once() -> None:
    draft = meeting(status="draft")
    assert rules.publish(draft, NOW).status == "published"
    with pytest.raises(Conflict):
        rules.publish(meeting(), NOW)


def test_a_meeting_that_has_ended_is_neither_published_nor_invited_to() -> None:
    after = datetime(2026, 3, 19, 18, 0, 1, tzinfo=UTC)  # 19:00:01 in Berlin: it has ended
    with pytest.raises(Conflict, match="ended on 19.03.2026 19:00") as refused:
        rules.publish(meeting(status="draft"), after)
    assert refused.value.extra["reason"] == "ended"
    with pytest.raises(Conflict) as late:
        rules.check_invitable(meeting(), after)
    assert late.value.extra["reason"] == "ended"
    during = datetime(2026, 3, 19, 17, tzinfo=UTC)  # still on: fine
    assert rules.publish(meeting(status="draft"), during).status == "published"
    rules.check_invitable(meeting(), during)
    with pytest.raises(Conflict, match="published") as draft:
        rules.check_invitable(meeting(status="draft"), NOW)
    assert draft.value.extra["reason"] == "not_published"


def test_the_meeting_summary_carries_the_programme() -> None:
    agenda = [
        {"kind": "welcome", "title": "Begrüßung", "starts_at": datetime(2026, 3, 19, 16)},
        {"kind": "informal", "title": "Buffet"},
    ]
    summary = meeting(agenda=[AgendaItem.model_validate(a) for a in agenda]).summary()
    assert [(a.kind, a.title) for a in summary.agenda] == [
        ("welcome", "Begrüßung"),
        ("informal", "Buffet"),
    ]
    assert summary.agenda[0].starts_at.isoformat() == "2026-03-19T16:00:00+01:00"
    assert summary.agenda[1].starts_at is None


def test_a_change_of_a_published_meeting_raises_its_calendar_sequence() -> None:
    later = MeetingChange(starts_at=datetime(2026, 3, 26, 16), ends_at=datetime(2026, 3, 26, 19))
    changed, fields = change(meeting(), later)
    assert fields == ["starts_at", "ends_at"]
    assert changed.sequence == 1
    assert changed.starts_at.isoformat() == "2026-03-26T16:00:00+01:00"
    same, nothing = change(changed, MeetingChange(title="Netzwerktreffen"))
    assert nothing == [] and same.sequence == 1  # no change, no new sequence
    draft, _ = change(meeting(status="draft"), MeetingChange(title="Neu"))
    assert draft.sequence == 0  # nobody holds a calendar entry of a draft


def test_a_change_keeps_the_end_after_the_start() -> None:
    with pytest.raises(Unprocessable):
        change(meeting(), MeetingChange(starts_at=datetime(2026, 3, 19, 20)))


def test_a_cancelled_meeting_can_be_neither_changed_nor_cancelled_nor_joined() -> None:
    cancelled = rules.cancel(meeting())
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    with pytest.raises(Conflict):
        rules.cancel(cancelled)
    with pytest.raises(Conflict):
        change(cancelled, MeetingChange(title="Neu"))
    with pytest.raises(Conflict, match="cancelled"):
        check_registration(cancelled, RegistrationCreate(person_id="p"), NOW)
    with pytest.raises(Conflict):
        rules.publish(cancelled, NOW)


def test_a_deadline_after_the_start_is_refused() -> None:
    body = {
        "title": "Speed-Woche",
        "format": "speed_week",
        "starts_at": "2026-03-19T16:00:00",
        "ends_at": "2026-03-19T19:00:00",
        "registration_deadline": "2026-03-20T00:00:00",
        "venue": {"name": "V"},
        "capacity": 5,
        "districts": ["Hörde"],
        "agenda": [{"kind": "welcome", "title": "Begrüßung"}],
    }
    with pytest.raises(ValidationError, match="registration_deadline"):
        MeetingCreate.model_validate(body)
    fine = MeetingCreate.model_validate({**body, "registration_deadline": "2026-03-12T23:59:00"})
    assert fine.format == "speed_week" and fine.agenda[0].kind == "welcome"
    with pytest.raises(Unprocessable):
        change(meeting(), MeetingChange(registration_deadline=datetime(2026, 4, 1)))


def test_walk_ins_may_register_after_the_deadline_others_not() -> None:
    late = meeting(registration_deadline=datetime(2026, 3, 18, 12, tzinfo=UTC))
    with pytest.raises(Conflict) as refused:
        rules.check_open(late, T0)
    assert refused.value.extra["reason"] == "deadline_passed"
    rules.check_open(late, T0, walk_in=True)
    with pytest.raises(Conflict) as cancelled:
        rules.check_open(meeting(status="cancelled"), T0, walk_in=True)
    assert cancelled.value.extra["reason"] == "cancelled"
