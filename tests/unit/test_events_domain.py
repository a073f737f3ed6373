"""Events domain rules: Berlin time, publication, admission, waitlist, move-up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from aiq_events import domain
from aiq_events.domain import Meeting, MeetingCreate, Registration, RegistrationCreate
from aiq_shared.errors import Conflict, Unprocessable

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


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


def registration(seq: int, status: str = "waitlisted") -> Registration:
    now = datetime.now(UTC)
    return Registration(
        id=f"r{seq}",
        meeting_id="m1",
        person_id=f"p{seq}",
        display_name="X",
        district="Hörde",
        topic_table_ids=[],
        status=status,
        waitlist_seq=seq,
        created_at=now,
        updated_at=now,
    )


def test_times_without_offset_are_berlin_time_and_others_are_converted() -> None:
    winter = domain.in_berlin(datetime(2026, 3, 19, 16))
    assert winter.isoformat() == "2026-03-19T16:00:00+01:00"
    summer = domain.in_berlin(datetime(2026, 7, 2, 14, tzinfo=UTC))
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
        domain.check_districts(["Hörde", "Atlantis"], ["Hörde", "Eving"])


def test_a_meeting_is_published_once() -> None:
    draft = meeting(status="draft")
    assert domain.publish(draft, NOW).status == "published"
    with pytest.raises(Conflict):
        domain.publish(meeting(), NOW)


def test_a_meeting_that_has_ended_is_neither_published_nor_invited_to() -> None:
    after = datetime(2026, 3, 19, 18, 0, 1, tzinfo=UTC)  # 19:00:01 in Berlin: it has ended
    with pytest.raises(Conflict, match="ended on 19.03.2026 19:00") as refused:
        domain.publish(meeting(status="draft"), after)
    assert refused.value.extra["reason"] == "ended"
    with pytest.raises(Conflict) as late:
        domain.check_invitable(meeting(), after)
    assert late.value.extra["reason"] == "ended"
    during = datetime(2026, 3, 19, 17, tzinfo=UTC)  # still on: fine
    assert domain.publish(meeting(status="draft"), during).status == "published"
    domain.check_invitable(meeting(), during)
    with pytest.raises(Conflict, match="published") as draft:
        domain.check_invitable(meeting(status="draft"), NOW)
    assert draft.value.extra["reason"] == "not_published"


def test_the_meeting_summary_carries_the_programme() -> None:
    agenda = [
        {"kind": "welcome", "title": "Begrüßung", "starts_at": datetime(2026, 3, 19, 16)},
        {"kind": "informal", "title": "Buffet"},
    ]
    summary = meeting(agenda=[domain.AgendaItem.model_validate(a) for a in agenda]).summary()
    assert [(a.kind, a.title) for a in summary.agenda] == [
        ("welcome", "Begrüßung"),
        ("informal", "Buffet"),
    ]
    assert summary.agenda[0].starts_at.isoformat() == "2026-03-19T16:00:00+01:00"
    assert summary.agenda[1].starts_at is None


def test_registration_needs_publication_and_existing_distinct_tables() -> None:
    with pytest.raises(Conflict, match="published"):
        domain.check_registration(meeting(status="draft"), RegistrationCreate(person_id="p"), NOW)
    with pytest.raises(Unprocessable, match="no topic table"):
        domain.check_registration(
            meeting(), RegistrationCreate(person_id="p", topic_table_ids=["x"]), NOW
        )
    with pytest.raises(Unprocessable, match="twice"):
        domain.check_registration(
            meeting(), RegistrationCreate(person_id="p", topic_table_ids=["t1", "t1"]), NOW
        )
    domain.check_registration(
        meeting(), RegistrationCreate(person_id="p", topic_table_ids=["t1"]), NOW
    )


def test_confirmed_while_there_is_room_then_waitlisted_in_order() -> None:
    m = meeting(capacity=2)
    statuses = []
    positions = []
    for _ in range(4):
        status, m, position = domain.admit(m)
        statuses.append(status)
        positions.append(position)
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert positions == [None, None, 1, 2]
    assert m.seats_taken == 2 and m.seats_free == 0


def test_only_a_confirmed_cancellation_frees_a_seat() -> None:
    full = meeting(capacity=2, seats_taken=2)
    assert domain.release_seat(full, "confirmed").seats_taken == 1
    assert domain.release_seat(full, "waitlisted").seats_taken == 2


def test_the_earliest_on_the_waitlist_moves_up_when_a_seat_is_free() -> None:
    waiting = [registration(3), registration(1), registration(2)]
    assert domain.next_to_move_up(meeting(capacity=2, seats_taken=1), waiting).id == "r1"
    assert domain.next_to_move_up(meeting(capacity=2, seats_taken=2), waiting) is None
    assert domain.next_to_move_up(meeting(capacity=2, seats_taken=1), []) is None


def test_a_change_of_a_published_meeting_raises_its_calendar_sequence() -> None:
    later = domain.MeetingChange(
        starts_at=datetime(2026, 3, 26, 16), ends_at=datetime(2026, 3, 26, 19)
    )
    changed, fields = domain.change(meeting(), later)
    assert fields == ["starts_at", "ends_at"]
    assert changed.sequence == 1
    assert changed.starts_at.isoformat() == "2026-03-26T16:00:00+01:00"
    same, nothing = domain.change(changed, domain.MeetingChange(title="Netzwerktreffen"))
    assert nothing == [] and same.sequence == 1  # no change, no new sequence
    draft, _ = domain.change(meeting(status="draft"), domain.MeetingChange(title="Neu"))
    assert draft.sequence == 0  # nobody holds a calendar entry of a draft


def test_a_change_keeps_the_end_after_the_start() -> None:
    with pytest.raises(Unprocessable):
        domain.change(meeting(), domain.MeetingChange(starts_at=datetime(2026, 3, 19, 20)))


def test_a_cancelled_meeting_can_be_neither_changed_nor_cancelled_nor_joined() -> None:
    cancelled = domain.cancel(meeting())
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    with pytest.raises(Conflict):
        domain.cancel(cancelled)
    with pytest.raises(Conflict):
        domain.change(cancelled, domain.MeetingChange(title="Neu"))
    with pytest.raises(Conflict, match="cancelled"):
        domain.check_registration(cancelled, RegistrationCreate(person_id="p"), NOW)
    with pytest.raises(Conflict):
        domain.publish(cancelled, NOW)


def test_registration_closes_at_the_deadline() -> None:
    deadline = datetime(2026, 3, 12, 23, 59)
    closing = meeting(registration_deadline=domain.in_berlin(deadline))
    before = datetime(2026, 3, 12, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    after = datetime(2026, 3, 13, 0, 0, tzinfo=UTC)  # 01:00 in Berlin
    domain.check_registration(closing, RegistrationCreate(person_id="p"), before)
    with pytest.raises(Conflict, match=r"closed on 12.03.2026 23:59"):
        domain.check_registration(closing, RegistrationCreate(person_id="p"), after)


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
        domain.change(meeting(), domain.MeetingChange(registration_deadline=datetime(2026, 4, 1)))


def test_only_a_confirmed_registration_checks_in_and_twice_is_harmless() -> None:
    arriving = registration(1, status="confirmed")
    assert len(arriving.check_in_code) >= 12  # unguessable enough for a door
    now = datetime(2026, 3, 19, 15, 55, tzinfo=UTC)
    arrived, first = domain.check_in(arriving, now)
    assert first and arrived.checked_in_at == now
    again, second = domain.check_in(arrived, now)
    assert not second and again.checked_in_at == now
    with pytest.raises(Conflict, match="waitlisted"):
        domain.check_in(registration(2, status="waitlisted"), now)
