"""After the meeting: attendance per district and table, the CSV, who attended."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from aiq_events.meetings.schemas import Meeting
from aiq_events.outcomes import rules
from aiq_events.registrations.schemas import Registration, TableSeat, TableVisit

T0 = datetime(2026, 3, 19, 15, tzinfo=UTC)


def meeting(**changes) -> Meeting:
    base = Meeting(
        id="m1",
        title="Netzwerktreffen",
        starts_at=datetime(2026, 3, 19, 16),
        ends_at=datetime(2026, 3, 19, 19),
        venue={"name": "Café Durchblick"},
        capacity=10,
        districts=["Hörde", "Eving"],
        topic_tables=[
            {"id": "ag", "title": "Schul-AGs", "capacity": 5},
            {"id": "speed", "title": "Speed-Woche", "capacity": 5},
        ],
        status="published",
    )
    return base.model_copy(update=changes)


def reg(n: int, district: str = "Hörde", **changes) -> Registration:
    base = Registration(
        id=f"r{n}",
        meeting_id="m1",
        person_id=f"p{n}",
        display_name=f"Person {n}",
        district=district,
        topic_table_ids=[],
        status="confirmed",
        created_at=T0,
        updated_at=T0,
    )
    return base.model_copy(update=changes)


def test_report_counts_districts_tables_no_shows_and_walk_ins() -> None:
    seated = [TableSeat(topic_table_id="ag", status="seated")]
    visit = [TableVisit(topic_table_id="ag", at=T0)]
    registrations = [
        reg(1, checked_in_at=T0, table_seats=seated, table_visits=visit),
        reg(2, "Eving", checked_in_at=T0, walk_in=True, table_visits=visit),
        reg(3, "Eving", no_show=True, table_seats=seated),
        reg(4, status="cancelled"),
        reg(5, status="waitlisted"),
        reg(6, kind="teacher", seats=4, checked_in_at=T0),
    ]
    built = rules.build(meeting(), registrations, {"Hörde": 10, "Eving": 5})
    t = built.totals
    assert (t.invited, t.registered, t.waitlisted, t.cancelled) == (15, 4, 1, 1)
    assert (t.attended, t.no_shows, t.walk_ins, t.people_attending) == (3, 1, 1, 6)
    eving = next(d for d in built.districts if d.district == "Eving")
    assert (eving.invited, eving.registered, eving.attended, eving.no_shows, eving.walk_ins) == (
        5,
        2,
        1,
        1,
        1,
    )
    ag = next(t for t in built.tables if t.topic_table_id == "ag")
    assert (ag.seated, ag.attended, ag.districts) == (2, 2, {"Eving": 1, "Hörde": 1})
    assert built.rows[0].tables == "Schul-AGs" and built.rows[0].visited == "Schul-AGs"


def test_csv_is_semicolon_separated_german_and_safe_for_spreadsheets() -> None:
    rows = rules.rows(meeting(), [reg(1, display_name="=HYPERLINK(1)", checked_in_at=T0)])
    text = rules.as_csv(rows).decode()
    assert text.startswith("\ufeffAnmeldung;Name;")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert parsed[1][1] == "'=HYPERLINK(1)"
    row = dict(zip(parsed[0], parsed[1], strict=True))
    assert row["Anwesend"] == "ja" and row["Eingecheckt"] == "19.03.2026 16:00"


def test_the_csv_names_organisations_and_keeps_their_ids_apart() -> None:
    registrations = [reg(1, organisation_id="o1"), reg(2, organisation_id="gone"), reg(3)]
    built = rules.build(meeting(), registrations, {}, {"o1": "Metallbau Emscher"})
    assert [r.organisation_name for r in built.rows] == ["Metallbau Emscher", None, None]
    rows = list(
        csv.DictReader(
            io.StringIO(rules.as_csv(built.rows).decode().lstrip("\ufeff")), delimiter=";"
        )
    )
    assert [(r["Organisation"], r["Organisations-ID"]) for r in rows] == [
        ("Metallbau Emscher", "o1"),
        ("", "gone"),
        ("", ""),
    ]


def test_attended_is_about_the_person_or_anyone_from_the_organisation() -> None:
    registrations = [reg(1, organisation_id="o1", checked_in_at=T0), reg(2, organisation_id="o2")]
    assert rules.attended(registrations, "o1", None) is True
    assert rules.attended(registrations, "o2", None) is False
    assert rules.attended(registrations, None, "p2") is False
    assert rules.attended(registrations, "o3", None) is None
