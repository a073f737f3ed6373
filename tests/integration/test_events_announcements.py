"""What the events service tells the other services (issue 9), read back from the real broker:
the programme in every meeting event and summary, every registration state with where it sits
or waits at topic tables, who cancelled, the named students of a group, a table's line moving
up, the ranked assignment (each placement once), and a walk-in nobody in contacts knows.
"""

from __future__ import annotations

import pytest
from test_events_support import (
    events_fixture,
    events_on,
    events_published,
    links,
    path_of,
    people,
    rsvp,
)

from aiq_shared import topics
from helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

MEETING = {
    "title": "Netzwerktreffen Hombruch",
    "description": "Begrüßung, Impuls, Thementische, Buffet.",
    "starts_at": "2027-04-15T16:00:00",
    "ends_at": "2027-04-15T19:00:00",
    "venue": {"name": "Bürgerhaus"},
    "capacity": 5,
    "districts": ["Hombruch"],
    "organising_officer": "m.schneider",
    "agenda": [
        {"kind": "welcome", "title": "Begrüßung", "starts_at": "2027-04-15T16:00:00"},
        {"kind": "topic_tables", "title": "Thementische", "starts_at": "2027-04-15T16:30:00"},
        {"kind": "informal", "title": "Buffet"},
    ],
    "topic_tables": [
        {"title": "Schul-AGs", "capacity": 1},
        {"title": "Speed-Woche", "capacity": 3},
    ],
}


events = events_fixture()  # the events service alone


async def published_events(system, topic: str, meeting_id: str) -> list:
    await eventually(lambda: events_published(system))
    return [e.contract() for e in await events_on(system, topic, meeting_id)]


async def test_every_state_of_a_registration_is_published_with_its_tables(events) -> None:
    system = events
    anna, ben, cem, dora = await people(system, "Anna", "Ben", "Cem", "Dora")
    (teacher,) = await people(system, "Lehrerin", kind="teacher")
    students = await people(system, "Sara", "Timo", kind="student", email_consent=False)
    meeting = (await system.events.post("/events", json=MEETING)).json()
    ag, speed = (t["id"] for t in meeting["topic_tables"])
    link = await links(system, meeting["id"], 5)

    await rsvp(system, link[anna], tables=[ag, speed])  # seated at both
    await rsvp(system, link[ben], tables=[ag])  # seated at the meeting, waits at Schul-AGs
    group = await system.events.post(
        f"/events/{meeting['id']}/group-registrations",
        json={"teacher_person_id": teacher, "student_person_ids": students},
    )
    assert group.status_code == 201 and group.json()["seats"] == 3  # the meeting is full now
    await rsvp(system, link[cem], tables=[speed])  # waits for a seat at the meeting
    # Anna gives up Schul-AGs (Ben, first in its line, moves up there), then cancels
    await rsvp(system, link[anna], action="change", tables=[speed])
    await rsvp(system, link[anna], action="cancel")  # Cem moves up to the meeting
    registrations = (await system.events.get(f"/events/{meeting['id']}/registrations")).json()
    mine = {r["person_id"]: r for r in registrations["items"]}
    staff_cancel = await system.events.post(
        f"/events/{meeting['id']}/registrations/{mine[ben]['id']}/cancel"
    )
    assert staff_cancel.status_code == 200
    arrived = await system.events.post(
        f"/events/{meeting['id']}/check-in", json={"code": mine[cem]["check_in_code"]}
    )
    assert arrived.status_code == 200
    # someone contacts has never heard of walks in: their event carries who they are
    walk_in = await system.events.post(
        f"/events/{meeting['id']}/walk-ins",
        json={"first_name": "Spontan", "last_name": "Gast", "district": "Hombruch"},
    )
    assert walk_in.status_code == 201
    assert (await system.events.post(f"/events/{meeting['id']}/close")).status_code == 200

    seen = await published_events(system, topics.REGISTRATIONS, meeting["id"])
    lines = [(e.event_type.split(".")[2], e.person_id) for e in seen]
    walker = walk_in.json()["registration"]["person_id"]
    assert lines == [
        ("confirmed", anna),
        ("confirmed", ben),
        ("confirmed", teacher),
        ("waitlisted", cem),
        ("tables_changed", anna),  # her choice
        ("tables_changed", ben),  # moved up at Schul-AGs
        ("cancelled", anna),
        ("promoted", cem),
        ("cancelled", ben),
        ("checked_in", cem),
        ("confirmed", walker),
        ("checked_in", walker),
        ("no_show", teacher),
    ]
    by = {(e.event_type.split(".")[2], e.person_id): e for e in seen}
    seats = {key: [(s.topic_table_id, s.status) for s in e.table_seats] for key, e in by.items()}
    assert seats[("confirmed", anna)] == [(ag, "seated"), (speed, "seated")]
    assert seats[("confirmed", ben)] == [(ag, "waitlisted")]  # he only waits for that table
    choice = by[("tables_changed", anna)]
    assert (choice.reason, choice.previous_topic_table_ids, choice.topic_table_ids) == (
        "choice",
        [ag, speed],
        [speed],
    )
    assert seats[("tables_changed", anna)] == [(speed, "seated")]
    assert by[("tables_changed", ben)].reason == "table_move_up"
    assert seats[("tables_changed", ben)] == [(ag, "seated")]
    assert by[("confirmed", teacher)].group_students == ["Sara Beispiel", "Timo Beispiel"]
    assert by[("confirmed", teacher)].seats == 3
    assert (by[("cancelled", anna)].reason, by[("cancelled", ben)].reason) == ("person", "staff")
    assert by[("cancelled", anna)].rsvp_url == link[anna]
    assert seats[("promoted", cem)] == [(speed, "seated")]
    walker_event = by[("confirmed", walker)]
    assert walker.startswith("walk-in-") and walker_event.walk_in
    assert (walker_event.display_name, walker_event.district, walker_event.kind) == (
        "Spontan Gast",
        "Hombruch",
        "guest",
    )
    # every registration event carries the programme, as every invitation does
    assert all([a.title for a in e.meeting.agenda] == ["Begrüßung", "Thementische", "Buffet"]
               for e in seen)  # fmt: skip
    meeting_events = await published_events(system, topics.EVENTS, meeting["id"])
    created = meeting_events[0]
    assert created.event_type == "aiq.meeting.created.v1"
    assert (created.description, created.organising_officer) == (
        MEETING["description"],
        "m.schneider",
    )
    assert created.agenda[1].starts_at.isoformat() == "2027-04-15T16:30:00+02:00"
    invited = [e for e in meeting_events if e.event_type == "aiq.invitation.created.v1"]
    assert len(invited) == 5 and all(i.meeting.agenda[2].title == "Buffet" for i in invited)
    assert {i.decline_url for i in invited} == {f"{link[i.person_id]}/absagen" for i in invited}
    assert dora in {i.person_id for i in invited}


async def test_the_ranked_assignment_announces_each_placement_once(events) -> None:
    system = events
    anna, ben, cem = await people(system, "Anna", "Ben", "Cem")
    ranked = {**MEETING, "table_selection": "rank", "capacity": 10}
    meeting = (await system.events.post("/events", json=ranked)).json()
    ag, speed = (t["id"] for t in meeting["topic_tables"])
    link = await links(system, meeting["id"], 3)
    for pid in (anna, ben, cem):  # everyone: 1. Schul-AGs (one seat), 2. Speed-Woche
        answer = await system.events.post(
            path_of(link[pid]),
            data={"action": "register", f"rank_{ag}": "1", f"rank_{speed}": "2"},
        )
        assert answer.status_code == 200
    first = await system.events.post(f"/events/{meeting['id']}/table-assignment")
    assert first.status_code == 200
    again = await system.events.post(f"/events/{meeting['id']}/table-assignment")
    assert again.json() == first.json()  # nothing moved: nobody hears of it twice
    # Ben ranks anew: Speed-Woche first (a seat there), Schul-AGs no more
    changed = await system.events.post(
        path_of(link[ben]), data={"action": "change", f"rank_{speed}": "1"}
    )
    assert changed.status_code == 200
    # Anna cancels: her seat at Schul-AGs is free, but nobody waits for it: no move-up
    await rsvp(system, link[anna], action="cancel")

    seen = await published_events(system, topics.REGISTRATIONS, meeting["id"])
    changes = [
        (e.person_id, e.reason, [(s.topic_table_id, s.status) for s in e.table_seats])
        for e in seen
        if e.event_type == "aiq.registration.tables_changed.v1"
    ]
    assert changes == [
        (anna, "assignment", [(ag, "seated")]),
        (ben, "assignment", [(speed, "seated")]),
        (cem, "assignment", [(speed, "seated")]),
        (ben, "choice", [(speed, "seated")]),
    ]
    confirmed = [e for e in seen if e.event_type == "aiq.registration.confirmed.v1"]
    assert all(e.table_seats == [] for e in confirmed)  # placed later, by the step


async def test_admitting_sees_who_is_registered_and_who_waits_without_topic_tables(
    events,
) -> None:
    """Admitting reads only some of a meeting's registrations (``relevant_to_admitting``):
    still, nobody is registered twice (alone, or named in a school group) and the waitlist
    counts everyone waiting, in a meeting without topic tables."""
    system = events
    eva, finn, gina, hugo = await people(system, "Eva", "Finn", "Gina", "Hugo")
    (teacher,) = await people(system, "Lehrer", kind="teacher")
    (student,) = await people(system, "Sven", kind="student", email_consent=False)
    body = {k: v for k, v in MEETING.items() if k not in ("topic_tables", "agenda")}
    meeting = (await system.events.post("/events", json={**body, "capacity": 3})).json()
    await links(system, meeting["id"], 4)
    path = f"/events/{meeting['id']}"

    async def register(person: str):  # noqa: ANN202
        return await system.events.post(f"{path}/registrations", json={"person_id": person})

    assert (await register(eva)).json()["status"] == "confirmed"
    group = await system.events.post(
        f"{path}/group-registrations",
        json={"teacher_person_id": teacher, "student_person_ids": [student]},
    )
    assert group.status_code == 201 and group.json()["status"] == "confirmed"  # 3 of 3 seats
    alone = await register(student)  # named in the group already
    assert alone.status_code == 409 and alone.json()["reason"] == "registered_already"
    again = await system.events.post(
        f"{path}/group-registrations",
        json={"teacher_person_id": teacher, "student_person_ids": [eva]},
    )
    assert again.status_code == 409
    waiting = [(await register(p)).json() for p in (finn, gina, hugo)]
    assert [r["status"] for r in waiting] == ["waitlisted"] * 3
    assert [r["waitlist_seq"] for r in waiting] == sorted(r["waitlist_seq"] for r in waiting)
    assert (await register(gina)).status_code == 409  # waiting counts as registered
    seen = await published_events(system, topics.REGISTRATIONS, meeting["id"])
    positions = {e.person_id: e.waitlist_position for e in seen if "waitlisted" in e.event_type}
    assert positions == {finn: 1, gina: 2, hugo: 3}
