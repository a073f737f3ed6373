"""The HTML pages' pure parts: German dates in Europe/Berlin, reading the form, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiq_events import rendering
from aiq_events.meetings.rules import when
from aiq_events.meetings.schemas import AgendaItem, Meeting
from aiq_events.rsvp import rules
from aiq_shared.dates import german_datetime
from aiq_shared.errors import Conflict, DomainError


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
