"""Contacts rules: organisations, people and students, normalisation for search and duplicates."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pydantic import ValidationError

from aiq_contacts.organisations import rules as organisations
from aiq_contacts.organisations.industries import Industries, default_setting
from aiq_contacts.organisations.officers import Officers
from aiq_contacts.organisations.reference import Reference
from aiq_contacts.organisations.schemas import Organisation, OrganisationCreate, OrganisationUpdate
from aiq_contacts.people import rules as people
from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_contacts.search import rules as names
from aiq_devstack.staff import DEVELOPMENT_STAFF
from aiq_shared.districts import DORTMUND
from aiq_shared.errors import Unprocessable
from aiq_shared.staff import Staff

SCHOOL = Organisation(
    id="s", name="Gesamtschule Scharnhorst", kind="school", district="Scharnhorst"
)
COMPANY = Organisation(id="c", name="Elektro Westfalen", district="Hörde")
REFERENCE = Reference(DORTMUND, Industries(default_setting()), Officers(Staff(DEVELOPMENT_STAFF)))


def test_an_organisation_has_kind_address_status_tags_and_website() -> None:
    organisation = OrganisationCreate(
        name=" Bäckerei Sonnenschein ",
        industry="Handwerk",
        district="Brackel",
        size="10-49",
        address={"street": "Hauptstr. 1", "postcode": "44309", "city": "Dortmund"},
        officer="a.yilmaz",
        partner_since="2020-10-01",
        status="active",
        tags=["IHK", " ihk ", "Speed-Woche"],
        website="baeckerei-sonnenschein.example",
    )
    assert organisation.name == "Bäckerei Sonnenschein"
    assert organisation.kind == "company" and organisation.tags == ["ihk", "speed-woche"]
    assert organisation.website == "https://baeckerei-sonnenschein.example/"
    assert organisation.partner_since == date(2020, 10, 1)
    organisations.check_organisation(organisation, DORTMUND)


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "asleep"},
        {"kind": "club"},
        {"size": "huge"},
        {"address": {"postcode": "4430"}},
        {"website": "not a url at all"},
        {"partner_since": "autumn 2020"},
    ],
)
def test_bad_organisation_fields_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        OrganisationCreate.model_validate({"name": "X", "district": "Eving", **bad})


def test_industry_and_district_come_from_maintained_lists() -> None:
    with pytest.raises(Unprocessable) as error:
        REFERENCE.settle(Organisation(id="o", name="X", district="Eving", industry="Raumfahrt"))
    assert "Handwerk" in error.value.extra["known_industries"]
    with pytest.raises(Unprocessable):
        REFERENCE.settle(Organisation(id="o", name="X", district="Schwabing"))
    with pytest.raises(Unprocessable):  # a school has no Branche
        REFERENCE.settle(
            Organisation(id="o", name="X", district="Eving", kind="school", industry="Handwerk")
        )


def test_patch_changes_only_what_it_names() -> None:
    changed = organisations.update_organisation(
        COMPANY, OrganisationUpdate(status="dormant", tags=["alt"])
    )
    assert (changed.status, changed.tags, changed.name) == ("dormant", ["alt"], COMPANY.name)
    with pytest.raises(Unprocessable):
        organisations.update_organisation(COMPANY, OrganisationUpdate(name=None))


def test_merging_keeps_the_survivor_fills_gaps_and_unites_tags() -> None:
    surviving = COMPANY.model_copy(update={"tags": ["a"], "partner_since": date(2022, 1, 1)})
    merged = Organisation(
        id="m",
        name="Elektro Westfalen GmbH",
        district="Eving",
        officer="b.kaya",
        tags=["b", "a"],
        partner_since=date(2020, 9, 1),
    )
    combined = organisations.merge_organisations(surviving, merged)
    assert combined.id == "c" and combined.district == "Hörde" and combined.officer == "b.kaya"
    assert combined.tags == ["a", "b"] and combined.partner_since == date(2020, 9, 1)


def test_search_folds_case_accents_and_umlauts() -> None:
    terms = names.search_terms("Jürgen", "Groß-Müller").split()
    assert {"jurgen", "juergen", "gross", "muller", "mueller"} <= set(terms)
    assert names.search_pattern("MÜL") == [("^mul", r"\ mul")]
    assert names.search_pattern("a.b (x") == [(r"^a\.b", r"\ a\.b"), ("^x", r"\ x")]  # escaped


def test_search_patterns_find_word_beginnings_only() -> None:
    stored = names.search_terms("Hans-Jürgen", "Groß", "hj.gross@beispiel.de")

    def found(q: str) -> bool:
        return all(
            any(re.search(pattern, stored) for pattern in either)
            for either in names.search_pattern(q)
        )

    assert found("hans") and found("JÜR gro") and found("juergen") and found("hj.gross@")
    assert not found("ans") and not found("urgen") and not found("hans x")


def test_duplicate_names_ignore_legal_form_case_and_punctuation() -> None:
    assert organisations.duplicate_key("Elektro Westfalen GmbH") == organisations.duplicate_key(
        "elektro-westfalen"
    )
    assert organisations.duplicate_key("Müller & Söhne KG") == organisations.duplicate_key(
        "Mueller Soehne"
    )
    assert organisations.looks_like_same_organisation("A GmbH", "44137", "A", None)
    assert not organisations.looks_like_same_organisation("A GmbH", "44137", "A", "44139")
    assert not organisations.looks_like_same_organisation("A", None, "B", None)


def _student(**extra) -> Person:  # type: ignore[no-untyped-def]
    data = PersonCreate(
        first_name="Lea", kind="student", organisation_id="s", class_level=9, **extra
    )
    return people.new_person("p", data, "Scharnhorst", SCHOOL)


def test_students_keep_only_what_meetings_need() -> None:
    student = _student()
    assert student.last_name is None and student.email is None and student.class_level == 9
    with pytest.raises(Unprocessable) as error:
        _student(email="lea@schule.example", last_name="Meier")
    assert error.value.extra["fields"] == ["email", "last_name"]
    with pytest.raises(Unprocessable):  # a student belongs to a school
        people.new_person("p", PersonCreate(first_name="Lea", kind="student"), "Hörde", COMPANY)


def test_students_under_16_need_a_guardians_consent() -> None:
    with pytest.raises(Unprocessable):
        _student(under_16=True)
    student = _student(under_16=True, guardian_consent={"given_on": "2026-09-01"})
    assert student.guardian_consent is not None and student.guardian_consent.source == "form"


def test_contacts_need_a_last_name_and_no_student_fields() -> None:
    with pytest.raises(Unprocessable):
        people.new_person("p", PersonCreate(first_name="A"), "Hörde", COMPANY)
    with pytest.raises(Unprocessable):
        people.new_person(
            "p", PersonCreate(first_name="A", last_name="B", class_level=8), "Hörde", COMPANY
        )


def test_a_person_has_several_emails_a_phone_a_role_and_a_language() -> None:
    person = people.new_person(
        "p",
        PersonCreate(
            first_name="Anna",
            last_name="Schmidt",
            email="Anna@Betrieb.example",
            other_emails=["ANNA@privat.example"],
            phone="+49 231 123456",
            role="Ausbildungsleitung",
            position="HR",
            language="tr",
            tags=["Botschafterin"],
        ),
        "Hörde",
        COMPANY,
    )
    assert person.addresses == ["anna@betrieb.example", "anna@privat.example"]
    assert person.language == "tr" and person.tags == ["botschafterin"]
    with pytest.raises(ValidationError):
        PersonCreate(first_name="A", last_name="B", phone="call me")
    with pytest.raises(ValidationError):
        PersonCreate(first_name="A", last_name="B", language="Deutsch")


def test_email_consent_in_a_patch_changes_the_invitations_consent() -> None:
    person = Person(id="p", first_name="A", last_name="B", district="Hörde", email="a@b.example")
    given = people.apply_update(person, PersonUpdate(email_consent=True))
    assert given.consents == ["invitations"] and given.email_consent
    withdrawn = people.apply_update(given, PersonUpdate(email_consent=False))
    assert withdrawn.consents == [] and not withdrawn.email_consent
    with pytest.raises(Unprocessable):  # the address is needed while consents hold
        people.apply_update(given, PersonUpdate(email=None))
