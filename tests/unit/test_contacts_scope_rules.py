"""Districts in the contacts service (issue 11): where a person, a history entry and a segment
are visible, and what a caller may create or change in her districts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiq_contacts.history import rules as history
from aiq_contacts.history.repository import entry_query
from aiq_contacts.history.schemas import FollowUp, FollowUpItem, Interaction, InteractionItem
from aiq_contacts.organisations.rules import require_within
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people import rules as people
from aiq_contacts.people.memberships import Membership
from aiq_contacts.people.schemas import Person
from aiq_contacts.segments import rules as segments
from aiq_contacts.segments.schemas import Segment
from aiq_shared.errors import Forbidden
from aiq_shared.scope import EVERYTHING, Scope

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HOERDE = Organisation(id="h", name="Elektro Westfalen", district="Hörde")
EVING = Organisation(id="e", name="Zeche IT", district="Eving")
SCHOOL = Organisation(id="s", name="Gesamtschule Eving", kind="school", district="Eving")
OFFICER_HERE = Scope.of(["Hörde"])
OFFICER_ELSEWHERE = Scope.of(["Eving", "Innenstadt-Nord"])


def _person(district: str = "Hörde", *organisations: Organisation) -> Person:
    return Person(
        id="p",
        first_name="Eva",
        last_name="Koch",
        district=district,
        memberships=[Membership(organisation_id=o.id) for o in organisations],
    )


def test_a_person_is_visible_in_their_district_and_every_organisations() -> None:
    teacher = _person("Innenstadt-Nord", SCHOOL, HOERDE)
    found = {o.id: o for o in (SCHOOL, HOERDE)}
    assert people.visible_in(teacher, found) == ["Innenstadt-Nord", "Eving", "Hörde"]
    assert people.visible_in(_person("Eving", SCHOOL), found) == ["Eving"]  # no repeats
    # an organisation not known (any more) adds nothing
    assert people.visible_in(teacher, {"s": SCHOOL}) == ["Innenstadt-Nord", "Eving"]


def test_an_entry_belongs_to_its_organisations_district_else_to_its_persons() -> None:
    placed = _person("Innenstadt-Nord", HOERDE).model_copy(
        update={"districts": ["Innenstadt-Nord", "Hörde"]}
    )
    assert history.entry_districts(EVING, placed) == ["Eving"]  # a company visit: Eving's
    assert history.entry_districts(None, placed) == ["Innenstadt-Nord", "Hörde"]
    assert history.entry_districts(None, None, "Eving") == ["Eving"]  # a walk-in's event
    assert history.entry_districts(None, None) == []  # nobody's: coordinators only


def test_a_note_on_a_person_is_about_the_first_of_their_organisations_the_caller_sees() -> None:
    person = _person("Hörde", EVING, HOERDE)
    assert history.organisation_for_entry(person, {"h": HOERDE}) == HOERDE
    assert history.organisation_for_entry(person, {"e": EVING, "h": HOERDE}) == EVING
    assert history.organisation_for_entry(person, {}) is None


def test_list_entries_carry_the_names_the_caller_may_see() -> None:
    entries = [
        FollowUp(id="f1", kind="call", title="Anrufen", created_at=NOW, organisation_id="h"),
        FollowUp(id="f2", kind="call", title="AG", created_at=NOW, person_id="p"),
        FollowUp(id="f3", kind="call", title="?", created_at=NOW, organisation_id="e"),
    ]
    named = history.with_names(FollowUpItem, entries, {"h": HOERDE}, {"p": _person()})
    assert [(n.id, n.organisation_name, n.person_name) for n in named] == [
        ("f1", "Elektro Westfalen", None),
        ("f2", None, "Eva Koch"),
        ("f3", None, None),  # Eving's organisation: not named for a Hörde officer
    ]
    note = Interaction(id="i", kind="note", occurred_at=NOW, organisation_id="h")
    item = history.with_names(InteractionItem, [note], {"h": HOERDE}, {})[0]
    assert (item.id, item.kind, item.organisation_name) == ("i", "note", "Elektro Westfalen")


def test_entry_queries_select_by_subject_kind_and_districts() -> None:
    assert entry_query() == {}
    assert entry_query(["Hörde"], kind=["note", "call"], owner=None) == {
        "$and": [{"kind": {"$in": ["note", "call"]}}, {"districts": {"$in": ["Hörde"]}}]
    }
    assert entry_query(kind=[], organisation_id="o") == {"organisation_id": "o"}


def test_what_a_caller_creates_or_changes_stays_in_her_districts() -> None:
    require_within(OFFICER_HERE, "Hörde", "the organisation")
    require_within(OFFICER_HERE, ["Eving", "Hörde"], "the person")  # visible in Hörde too
    require_within(EVERYTHING, "Eving", "the organisation")
    with pytest.raises(Forbidden) as refused:
        require_within(OFFICER_HERE, "Eving", "the organisation")
    assert refused.value.status == 403
    assert refused.value.detail == "the organisation would be outside your districts (Eving)"
    with pytest.raises(Forbidden):
        require_within(Scope.of([]), "Hörde", "the person")


def test_a_segment_belongs_to_its_creators_districts_and_changes_with_all_of_them() -> None:
    city = ["Eving", "Hörde", "Innenstadt-Nord"]
    assert segments.districts_of_new(OFFICER_ELSEWHERE, city) == ["Eving", "Innenstadt-Nord"]
    assert segments.districts_of_new(EVERYTHING, city) == city
    mine = Segment(id="s", name="Gastro", updated_at=NOW, districts=["Hörde"])
    whole_city = Segment(id="c", name="Alle", updated_at=NOW, districts=city)
    segments.require_whole(OFFICER_HERE, mine)
    segments.require_whole(EVERYTHING, whole_city)
    with pytest.raises(Forbidden) as refused:
        segments.require_whole(OFFICER_HERE, whole_city)
    assert "Eving, Innenstadt-Nord" in refused.value.detail
