from datetime import date

from aiq_shared.targeting import ContactFilter, matches

PERSON = {"district": "Hörde", "kind": "contact", "tags": ["ausbilder"], "email_consent": True}
COMPANY = {
    "industry": "Handwerk",
    "status": "active",
    "kind": "company",
    "officer": "a.yilmaz",
    "tags": ["ihk"],
    "partner_since": "2021-05-01",
}


def test_empty_filter_selects_everyone() -> None:
    assert ContactFilter().is_empty()
    assert matches(ContactFilter(), PERSON)
    assert matches(ContactFilter(), PERSON, COMPANY)


def test_criteria_combine_with_and_values_with_or() -> None:
    target = ContactFilter(districts=["Hörde", "Eving"], industries=["Handwerk", "Pflege"])
    assert matches(target, PERSON, COMPANY)
    assert not matches(target, {**PERSON, "district": "Mengede"}, COMPANY)
    assert not matches(target, PERSON, {**COMPANY, "industry": "IT"})


def test_organisation_criteria_need_an_organisation() -> None:
    assert not matches(ContactFilter(statuses=["active"]), PERSON)
    assert matches(ContactFilter(statuses=["new"]), PERSON, {"industry": "IT"})  # default status


def test_tags_match_on_person_or_organisation() -> None:
    assert matches(ContactFilter(tags=["ihk"]), PERSON, COMPANY)
    assert matches(ContactFilter(tags=["ausbilder", "x"]), PERSON)
    assert not matches(ContactFilter(tags=["x"]), PERSON, COMPANY)


def test_consent_and_partner_since() -> None:
    assert not matches(ContactFilter(has_consent=True), {**PERSON, "email_consent": False})
    assert matches(ContactFilter(has_consent=False), {**PERSON, "email_consent": False})
    since = ContactFilter(partner_since_to=date(2022, 1, 1))
    assert matches(since, PERSON, COMPANY)
    assert not matches(ContactFilter(partner_since_from=date(2022, 1, 1)), PERSON, COMPANY)
    assert not matches(since, PERSON, {**COMPANY, "partner_since": None})
