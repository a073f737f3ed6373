"""Registrations as notifications sees them: where one sits at topic tables as emails show
it, when a seating is new, where it stands after each event and which email that calls for."""

from __future__ import annotations

from aiq_notifications.deliveries.rules import Place
from aiq_notifications.registrations import rules as domain
from aiq_notifications.registrations.rules import choice_key, seating_key, seating_of
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationTablesChangedV1,
)

TITLES = {"t1": "Speed-Woche", "t2": "Schul-AGs", "t3": "Azubis als Botschafter*innen"}


def changed(**fields):  # type: ignore[no-untyped-def]
    return RegistrationTablesChangedV1(
        registration_id="r1",
        meeting={
            "meeting_id": "m1",
            "title": "Netzwerktreffen",
            "starts_at": "2026-03-19T16:00:00+01:00",
            "ends_at": "2026-03-19T19:00:00+01:00",
            "venue": {"name": "Café Durchblick"},
        },
        person_id="p1",
        display_name="Anna",
        district="Hörde",
        status="confirmed",
        reason=fields.pop("reason", "assignment"),
        topic_table_ids=fields.pop("topic_table_ids", ["t1", "t2", "t3"]),
        **fields,
    )


SEATS = [
    {"topic_table_id": "t2", "round": 2, "status": "seated"},
    {"topic_table_id": "t3", "round": 2, "status": "waitlisted"},
    {"topic_table_id": "t1", "round": 1, "status": "seated"},
]


def test_only_seated_tables_are_the_persons_own_and_waiting_ones_are_named_apart() -> None:
    seating = seating_of(changed(table_seats=SEATS), TITLES)
    assert seating.seated == [Place(1, "Speed-Woche"), Place(2, "Schul-AGs")]
    assert seating.waiting == [Place(2, "Azubis als Botschafter*innen")]
    assert seating.by_round and not seating.empty and seating.chosen == []
    one_round = seating_of(changed(table_seats=SEATS[:1]), TITLES)
    assert not one_round.by_round


def test_without_seats_the_choice_shows_in_its_order() -> None:
    seating = seating_of(changed(topic_table_ids=["t3", "t1", "unknown"]), TITLES)
    assert seating.chosen == ["Azubis als Botschafter*innen", "Speed-Woche", "unknown"]
    assert seating.seated == [] and seating.waiting == []
    assert seating_of(changed(topic_table_ids=[]), TITLES).empty


def test_the_same_seats_make_the_same_key_and_other_seats_another() -> None:
    assert seating_key(changed(table_seats=SEATS)) == seating_key(
        changed(table_seats=list(reversed(SEATS)), reason="table_move_up")
    )
    moved_up = [*SEATS[:1], {"topic_table_id": "t3", "round": 2, "status": "seated"}, SEATS[2]]
    assert seating_key(changed(table_seats=moved_up)) != seating_key(changed(table_seats=SEATS))
    # a ranking is a choice in its order
    assert choice_key(changed(topic_table_ids=["t1", "t2"])) != choice_key(
        changed(topic_table_ids=["t2", "t1"])
    )


def test_a_cancellation_is_confirmed_unless_its_meeting_was_cancelled() -> None:
    assert domain.cancellation_kind("person") == "registration_cancelled"
    assert domain.cancellation_kind("staff") == "registration_cancelled"
    assert domain.cancellation_kind(None) == "registration_cancelled"  # older events
    assert domain.cancellation_kind("offer_expired") == "offer_expired"
    assert domain.cancellation_kind("meeting_cancelled") is None


# -- issue 10: rules reachable without a database ---------------------------------------------


def test_a_registration_stands_where_its_last_event_put_it() -> None:
    assert domain.registration_state("confirmed", "confirmed") == "confirmed"
    assert domain.registration_state("promoted", "confirmed") == "confirmed"  # moved up
    assert domain.registration_state("checked_in", "confirmed") == "confirmed"
    assert domain.registration_state("waitlisted", "waitlisted") == "waitlisted"
    assert domain.registration_state("cancelled", "cancelled") == "cancelled"
    # a new choice of tables leaves it where its event says it is
    assert domain.registration_state("tables_changed", "waitlisted") == "waitlisted"
    cancelled = RegistrationCancelledV1.model_validate(
        {**changed().model_dump(), "status": "cancelled", "previous_status": "waitlisted"}
    )
    assert domain.previous_state(cancelled) == "waitlisted"
    assert domain.previous_state(changed()) is None


def test_a_change_of_tables_is_told_once_per_choice_or_seating_and_never_when_cancelled() -> None:
    choice = changed(reason="choice", topic_table_ids=["t2", "t1"])
    assert domain.tables_kind(choice) == "table_choice"
    assert domain.tables_subject(choice, "table_choice") == f"r1:{choice_key(choice)}"
    seated = changed(table_seats=SEATS, reason="table_move_up")
    assert domain.tables_kind(seated) == "tables"
    assert domain.tables_subject(seated, "tables") == f"r1:{seating_key(seated)}"
    assert domain.tables_kind(seated.model_copy(update={"status": "cancelled"})) is None


def test_only_a_registration_naming_tables_waits_for_their_titles() -> None:
    assert domain.needs_table_titles(changed())
    assert domain.needs_table_titles(changed(topic_table_ids=[], table_seats=SEATS[:1]))
    plain = RegistrationConfirmedV1.model_validate(
        {**changed(topic_table_ids=[]).model_dump(), "status": "confirmed"}
    )
    assert not domain.needs_table_titles(plain)
