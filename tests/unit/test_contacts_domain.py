"""Contacts domain rules: districts, a person's district, updates and consent."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aiq_contacts.organisations import rules as organisations
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people import rules as people
from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_shared.districts import DORTMUND
from aiq_shared.errors import Unprocessable


def test_dortmund_has_twelve_districts_and_others_are_refused() -> None:
    assert len(DORTMUND) == 12
    assert organisations.require_district("Hörde", DORTMUND) == "Hörde"
    with pytest.raises(Unprocessable) as error:
        organisations.require_district("Schwabing", DORTMUND)
    assert error.value.extra["known_districts"] == list(DORTMUND)


def test_a_person_takes_the_organisations_district_unless_given_one() -> None:
    organisation = Organisation(id="o", name="Betrieb", district="Eving")
    assert people.person_district(None, organisation) == "Eving"
    assert people.person_district("Hörde", organisation) == "Hörde"
    with pytest.raises(Unprocessable):
        people.person_district(None, None)


def test_emails_are_kept_lower_case_and_must_be_addresses() -> None:
    person = PersonCreate(first_name="A", last_name="B", email="Anna@Example.ORG")
    assert person.email == "anna@example.org"
    with pytest.raises(ValidationError):
        PersonCreate(first_name="A", last_name="B", email="not an address")


def test_unknown_fields_are_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError):
        PersonCreate.model_validate({"first_name": "A", "last_name": "B", "$where": "1"})


def test_consent_needs_an_email_address() -> None:
    person = Person(id="p", first_name="A", last_name="B", district="Hörde")
    with pytest.raises(Unprocessable):
        people.apply_update(person, PersonUpdate(email_consent=True))
    updated = people.apply_update(person, PersonUpdate(email="a@b.example", email_consent=True))
    assert updated.email_consent and updated.email == "a@b.example"
    assert person.email is None  # the original is untouched
