"""The HTML pages' pure parts: German dates in Europe/Berlin, reading the form, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiq_events import rendering
from aiq_events.directory.rules import Participant
from aiq_events.invitations.schemas import Invitation
from aiq_events.meetings.rules import when
from aiq_events.meetings.schemas import AgendaItem, Meeting
from aiq_events.registrations.schemas import Registration, TableSeat
from aiq_events.rsvp import rules
from aiq_shared.dates import german_datetime
from aiq_shared.errors import Conflict, DomainError, Unprocessable


def meeting(**changes) -> Meeting:
    base = Meeting(
        id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 3, 19, 16),
        ends_at=datetime(2026, 3, 19, 19),
        venue={"name": "Café Durchblick"},
        capacity=2,
        districts=["Hörde"],
        topic_tables=[
            {"id": "ag", "title": "Schul-AGs", "capacity": 5},
            {"id": "speed", "title": "Speed-Woche", "capacity": 5},
        ],
        status="published",
        table_selection="rank",
    )
    return base.model_copy(update=changes)


def test_times_are_shown_in_german_and_berlin_time() -> None:
    assert when(meeting()) == "Donnerstag, 19. März 2026, 16:00 bis 19:00 Uhr"
    summer = datetime(2026, 7, 2, 14, 30, tzinfo=UTC)
    assert german_datetime(summer) == "02.07.2026, 16:30 Uhr"


def test_the_programme_shows_times_in_berlin_where_given() -> None:
    quarter_past = datetime(2026, 3, 19, 15, 15, tzinfo=UTC)  # 16:15 in Berlin
    agenda = [
        {"kind": "welcome", "title": "Begrüßung", "starts_at": datetime(2026, 3, 19, 16)},
        {"kind": "keynote", "title": "Impuls", "starts_at": quarter_past},
        {"kind": "informal", "title": "Buffet"},
        {"kind": "other", "title": "Nachtreffen", "starts_at": datetime(2026, 3, 20, 10)},
    ]
    planned = meeting(agenda=[AgendaItem.model_validate(a) for a in agenda])
    assert rules.agenda_lines(planned) == [
        ("16:00 Uhr", "Begrüßung"),
        ("16:15 Uhr", "Impuls"),
        (None, "Buffet"),
        ("20.03.2026, 10:00 Uhr", "Nachtreffen"),
    ]


def test_a_ranking_is_read_from_the_form_in_rank_order() -> None:
    form = {"rank_speed": ["1"], "rank_ag": ["2"], "table": ["ignored"]}
    assert rules.choice(meeting(), form) == ["speed", "ag"]
    assert rules.choice(meeting(), {"rank_ag": [""]}) == []
    with pytest.raises(DomainError) as twice:
        rules.choice(meeting(), {"rank_speed": ["1"], "rank_ag": ["1"]})
    assert rendering.refusal(twice.value) == "Bitte vergeben Sie jede Wahl nur einmal."
    with pytest.raises(DomainError):
        rules.choice(meeting(), {"rank_speed": ["eins"]})
    chosen = rules.choice(meeting(table_selection="choose"), {"table": ["ag", ""]})
    assert chosen == ["ag"]


def test_every_refusal_has_words_and_unknown_ones_a_general_text() -> None:
    deadline = Conflict("registration closed", reason="deadline_passed")
    assert rendering.refusal(deadline).startswith("Die Anmeldefrist ist abgelaufen")
    assert rendering.refusal(Conflict("something new")) == rendering.SOMETHING_WRONG


async def test_a_broken_form_body_reads_as_empty() -> None:
    class Broken:
        async def body(self) -> bytes:
            return b"\xff\xfe"

    assert await rendering.form_of(Broken()) == {}  # type: ignore[arg-type]


# -- what a posted form asks, decided by a rule (the page only renders and calls) -------------

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def registration(status: str = "confirmed", **changes) -> Registration:
    base = Registration(
        id="r1", meeting_id="m1", person_id="p1", display_name="Anna", district="Hörde",
        topic_table_ids=["ag"], status=status, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return base.model_copy(update=changes)


def invitation(**changes) -> Invitation:
    base = Invitation(
        id="i1", meeting_id="m1", campaign_id="c1", person_id="p1", display_name="Anna",
        district="Hörde", created_at=NOW, expires_at=NOW,
    )  # fmt: skip
    return base.model_copy(update=changes)


def test_a_form_registers_whom_the_link_does_not_know_as_registered() -> None:
    ranked = {"rank_speed": ["1"], "rank_ag": ["2"]}
    assert rules.decide(meeting(), None, ranked) == rules.Action("register", None, ["speed", "ag"])
    # "change" from someone no longer registered registers them anew
    cancelled = registration("cancelled")
    changed = rules.decide(meeting(), cancelled, {"action": ["change"], **ranked})
    assert changed == rules.Action("register", None, ["speed", "ag"])
    group = rules.decide(meeting(), None, {"action": ["register_group"], "rank_ag": ["1"]})
    assert group == rules.Action("register_group", None, ["ag"])


def test_a_form_changes_cancels_or_accepts_the_active_registration() -> None:
    active = registration()
    change = rules.decide(meeting(), active, {"action": ["change"], "rank_ag": ["1"]})
    assert change == rules.Action("change", "r1", ["ag"])
    # cancelling reads no tables: a broken ranking does not stand in the way
    cancel = rules.decide(meeting(), active, {"action": ["cancel"], "rank_ag": ["x"]})
    assert cancel == rules.Action("cancel", "r1")
    assert rules.decide(meeting(), active, {"action": ["accept"]}) == rules.Action("accept", "r1")


def test_a_form_that_asks_the_impossible_is_refused_in_words() -> None:
    for asked, reason in (("cancel", "cancelled_already"), ("accept", "no_offer")):
        with pytest.raises(rules.FormProblem) as refused:
            rules.decide(meeting(), registration("cancelled"), {"action": [asked]})
        assert refused.value.extra["reason"] == reason and refused.value.status == 422
        assert rendering.refusal(refused.value) == rendering.REFUSALS[reason]
    with pytest.raises(rules.FormProblem) as unknown:
        rules.decide(meeting(), None, {"action": ["delete_everything"]})
    assert rendering.refusal(unknown.value) == rendering.SOMETHING_WRONG


def test_where_the_invitee_stands_and_what_the_page_says_first() -> None:
    assert rules.state_of(invitation(), None) == "open"
    assert rules.state_of(invitation(declined_at=NOW), registration("cancelled")) == "declined"
    assert rules.state_of(invitation(declined_at=NOW), registration()) == "confirmed"
    offered = registration("waitlisted", offer_expires_at=NOW)
    assert rules.state_of(invitation(), offered) == "offered"
    assert rules.notice(meeting(status="cancelled"), "confirmed", NOW) == "cancelled"
    late = meeting(registration_deadline=datetime(2026, 2, 1, tzinfo=UTC))
    assert rules.notice(late, "open", NOW) == "deadline_passed"
    assert rules.notice(late, "confirmed", NOW) is None  # registered: may still cancel
    assert not rules.registration_open(late, NOW) and rules.registration_open(meeting(), NOW)
    assert rules.chosen(meeting(), registration(topic_table_ids=["speed", "ag"]), "confirmed") == {
        "speed": 1,
        "ag": 2,
    }
    assert rules.chosen(meeting(), registration(), "open") == {}


def test_a_teachers_group_form_names_only_their_students() -> None:
    teacher = Participant(id="t1", display_name="Lea", district="Eving", kind="teacher")
    form = {"student": ["s1", "s1", ""], "unnamed_students": ["2"]}
    group = rules.group_from_form(teacher, {"s1", "s2"}, form, ["ag"])
    assert (group.student_person_ids, group.unnamed_students, group.seats) == (["s1"], 2, 4)
    for who, allowed, asked, reason in (
        (None, set(), form, "not_a_teacher"),
        (teacher, {"s2"}, form, "unknown_student"),
        (teacher, {"s1"}, {"unnamed_students": ["61"]}, "group_size"),
        (teacher, {"s1"}, {"unnamed_students": ["zwei"]}, "group_size"),
    ):
        with pytest.raises(Unprocessable) as refused:
            rules.group_from_form(who, allowed, asked, [])
        assert refused.value.extra["reason"] == reason


def test_after_the_action_the_page_says_what_happened() -> None:
    waiting = registration(
        table_seats=[TableSeat(topic_table_id="ag", status="waitlisted", waitlist_seq=1)]
    )
    message, details = rules.done(meeting(), waiting, "register")
    assert message.startswith("Sie sind angemeldet")
    assert details == [
        "An „Schul-AGs“ ist kein Platz mehr frei: Sie stehen dort auf der Warteliste."
    ]
    assert rules.done(meeting(), registration("waitlisted"), "register")[0].startswith(
        "Das Treffen ist leider voll"
    )
    assert rules.done(meeting(), registration(), "cancel")[0].startswith("Ihre Anmeldung ist")
    assert rules.done(meeting(), registration(), "accept")[0].startswith("Sie haben den Platz")
    assert rules.done(meeting(), registration(), "change")[0] == "Ihre Auswahl ist gespeichert."


def test_the_decline_page_asks_unless_the_no_is_said_or_cannot_be() -> None:
    assert rules.decline_state(meeting(), invitation(), None) == "ask"
    assert rules.decline_state(meeting(), invitation(declined_at=NOW), None) == "declined_before"
    assert rules.decline_state(meeting(), invitation(), registration()) == "registered_decline"
    assert rules.decline_state(meeting(status="closed"), invitation(), registration()) == "closed"
    assert rules.registered(meeting(), registration())
    assert not rules.registered(meeting(status="cancelled"), registration())
