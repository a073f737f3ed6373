"""Sets kept as scalar keys, and "any of these" asked on them (the embedded server answers a
query on an array field by testing every document in Python)."""

from __future__ import annotations

import json

from aiq_contacts.people.repository import PersonRepository, person_query
from aiq_contacts.people.schemas import Person
from aiq_contacts.search.keys import keyed_any, set_key
from aiq_shared.targeting import ContactFilter

ARRAY_FIELDS = ("districts", "memberships.organisation_id", "memberships")


def test_a_set_has_one_key_whatever_its_order_and_repeats() -> None:
    assert set_key(["Hörde", "Eving", "Hörde", None]) == "Eving|Hörde"
    assert set_key(["Hörde"]) == "Hörde"
    assert set_key([]) == ""


def test_any_of_names_the_single_values_and_the_keys_in_use_sharing_one() -> None:
    many = ["Eving|Hörde", "Eving|Innenstadt-Nord", "Brackel|Hörde|Scharnhorst"]
    assert keyed_any("districts_key", ["Hörde"], many) == {
        "districts_key": {"$in": ["Brackel|Hörde|Scharnhorst", "Eving|Hörde", "Hörde"]}
    }
    assert keyed_any("districts_key", [], many) == {"_id": {"$exists": False}}


def test_a_persons_document_carries_the_keys_of_her_districts_and_organisations() -> None:
    person = Person(
        id="p1",
        first_name="Pia",
        district="Eving",
        districts=["Eving", "Hörde"],
        organisation_id="o1",
        memberships=[{"organisation_id": "o1"}, {"organisation_id": "o2"}],
    )
    document = PersonRepository.to_document(PersonRepository.__new__(PersonRepository), person)
    assert document["districts_key"] == "Eving|Hörde" and document["districts_many"] is True
    assert document["organisations_key"] == "o1|o2" and document["organisations_many"] is True


def test_membership_on_keys_names_no_array_field() -> None:
    query = person_query(
        ContactFilter(tags=["ihk"], statuses=["active"]),
        organisation_ids=["o1", "o2"],
        tagged_organisation_ids=["o2"],
        organisation_id="o1",
        organisation_keys=["o1|o9"],
    )
    text = json.dumps(query)
    assert not any(f'"{field}"' in text for field in ARRAY_FIELDS), text
    assert {"organisations_key": {"$in": ["o1", "o1|o9"]}} in query["$and"]
