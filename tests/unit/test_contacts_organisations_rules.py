"""Organisations' rules that lived inside the use cases before: which organisations a new one
names as possible duplicates, which one an import row finds again, and the consent a person
has after a record (the person's side of consent)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiq_contacts.consent.rules import record
from aiq_contacts.organisations import rules
from aiq_contacts.organisations.schemas import Address, Organisation, OrganisationCreate
from aiq_contacts.people.rules import with_consent
from aiq_contacts.people.schemas import Person


def _organisation(id_: str, name: str, postcode: str | None = None, district: str = "Hörde"):  # type: ignore[no-untyped-def]
    address = {"postcode": postcode} if postcode else None
    return Organisation(id=id_, name=name, district=district, address=address)


def test_a_new_organisation_names_look_alikes_but_not_itself_and_at_most_ten() -> None:
    new = _organisation("n", "Elektro Westfalen GmbH", "44137")
    alike = [
        new,
        _organisation("a", "elektro-westfalen", "44137"),
        _organisation("b", "Elektro Westfalen KG"),  # no postcode: could be the same
        _organisation("c", "Elektro Westfalen", "44139"),  # elsewhere: another one
    ]
    found = rules.possible_duplicates(new, alike)
    assert [(d.id, d.postcode) for d in found] == [("a", "44137"), ("b", None)]
    many = [_organisation(f"x{i}", "Elektro Westfalen") for i in range(12)]
    assert len(rules.possible_duplicates(new, many)) == rules.MOST_DUPLICATES == 10


def test_an_import_row_finds_its_organisation_again_only_in_the_same_district() -> None:
    row = OrganisationCreate(name="Bäckerei Sonnenschein GmbH", district="Brackel")
    there = _organisation("b", "Baeckerei Sonnenschein", "44309", district="Brackel")
    elsewhere = _organisation("h", "Bäckerei Sonnenschein", district="Hörde")
    assert rules.same_organisation(row, [elsewhere, there]) == there
    assert rules.same_organisation(row, [elsewhere]) is None
    moved = row.model_copy(update={"address": Address(postcode="44319")})
    assert rules.same_organisation(moved, [there]) is None  # another postcode: another one


def test_a_consent_record_decides_the_persons_consents() -> None:
    person = Person(id="p", first_name="A", last_name="B", district="Hörde", email="a@b.example")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    given = with_consent(person, record("r1", "p", "invitations", True, "form", "2026-01", at))
    assert given.consents == ["invitations"] and given.email_consent
    newsletter = with_consent(given, record("r2", "p", "newsletter", True, "form", None, at))
    assert newsletter.consents == ["invitations", "newsletter"]
    withdrawn = with_consent(newsletter, record("r3", "p", "invitations", False, "staff", None, at))
    assert withdrawn.consents == ["newsletter"] and not withdrawn.email_consent
    assert person.consents == []  # the original is untouched
