"""Reference data: industries are the WZ 2008 sections with the programme's short names mapped
onto them (unknown names get the nearest known ones); officers are staff members."""

from __future__ import annotations

import pytest

from aiq_contacts.imports import rules as imports
from aiq_contacts.imports.schemas import RowError
from aiq_contacts.organisations import rules as organisations
from aiq_contacts.organisations.industries import SECTIONS, Industries, Industry, default_setting
from aiq_contacts.organisations.officers import Officers
from aiq_contacts.organisations.reference import Reference
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.settings import ContactsSettings
from aiq_devstack.staff import DEVELOPMENT_STAFF
from aiq_shared.districts import DORTMUND
from aiq_shared.errors import Unprocessable
from aiq_shared.staff import Staff

INDUSTRIES = Industries(default_setting())
REFERENCE = Reference(DORTMUND, INDUSTRIES, Officers(Staff(DEVELOPMENT_STAFF)))

# What the spring meeting's companies called themselves, refused by the old default list.
REAL_NAMES = {
    "Hotellerie": "I",
    "Industrie": "C",
    "IT und Telekommunikation": "J",
    "Kfz-Gewerbe": "G",
    "Pflege": "Q",
    "Gastronomie": "I",
    "Einzelhandel": "G",
    "Handwerk": "F",
    "Logistik": "H",
    "Öffentlicher Dienst": "O",
    "Bau": "F",
    "Energie": "D",
    "Immobilien": "L",
    "Handel": "G",
    "Gebäudereinigung": "N",
    "Zeitarbeit und Personaldienstleistungen": "N",
    "Steuerberatung und Wirtschaftsprüfung": "M",
    "Bildung": "P",
    "Kultur": "R",
    "Friseurhandwerk": "S",
    "Banken und Versicherungen": "K",
    "Entsorgung und Recycling": "E",
    "Landwirtschaft": "A",
    "Spedition": "H",
}
# The old default list (and the demo data) stay accepted.
OLD_DEFAULTS = (
    "Handwerk",
    "Industrie und Produktion",
    "Einzelhandel",
    "Großhandel",
    "Logistik",
    "Gesundheit und Pflege",
    "Soziales und Erziehung",
    "IT und Software",
    "Gastronomie",
    "Hotellerie und Tourismus",
    "Banken und Versicherungen",
    "Öffentlicher Dienst",
    "Bau",
    "Kfz und Mobilität",
    "Energie und Umwelt",
    "Medien und Kommunikation",
    "Büro und Verwaltung",
    "Reinigung und Gebäudeservice",
    "Sonstige",
)


def test_the_default_is_the_21_wz_2008_sections_with_their_official_titles() -> None:
    assert list(SECTIONS) == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    assert SECTIONS["C"] == "Verarbeitendes Gewerbe" and SECTIONS["I"] == "Gastgewerbe"
    assert SECTIONS["Q"] == "Gesundheits- und Sozialwesen"
    for code, title in SECTIONS.items():
        assert INDUSTRIES.section_of(title) == code


@pytest.mark.parametrize(("name", "section"), REAL_NAMES.items())
def test_the_names_companies_use_are_accepted_with_their_section(name: str, section: str) -> None:
    assert INDUSTRIES.require(name) == name
    assert INDUSTRIES.section_of(name) == section


def test_the_old_default_names_stay_accepted() -> None:
    assert [n for n in OLD_DEFAULTS if n not in INDUSTRIES] == []
    assert INDUSTRIES.section_of("Sonstige") is None  # a catch-all, in no section


def test_a_name_is_taken_in_its_accepted_spelling() -> None:
    assert INDUSTRIES.require("kfz-gewerbe") == "Kfz-Gewerbe"
    assert INDUSTRIES.require("Oeffentlicher Dienst") == "Öffentlicher Dienst"
    assert INDUSTRIES.require(" it und telekommunikation ") == "IT und Telekommunikation"


@pytest.mark.parametrize(
    ("given", "nearest"),
    [
        ("Hotelerie", "Hotellerie"),
        ("Hotel", "Hotellerie"),
        ("Kfz", "Kfz-Gewerbe"),
        ("Logistk", "Logistik"),
        ("Pflegedienst", "Pflege"),
        ("Einzelhändler", "Einzelhandel"),
        ("IT-Service", "IT"),
    ],
)
def test_an_unknown_name_is_refused_with_the_nearest_known_ones(given: str, nearest: str) -> None:
    with pytest.raises(Unprocessable) as error:
        INDUSTRIES.require(given)
    suggested = error.value.extra["suggested_industries"]
    assert nearest in suggested and len(suggested) <= 3
    assert repr(nearest) in error.value.detail
    assert "Handwerk" in error.value.extra["known_industries"]


def test_a_name_nothing_resembles_gets_no_suggestion() -> None:
    assert INDUSTRIES.suggest("Raumfahrt") == []


def test_the_setting_takes_plain_names_or_names_with_a_section() -> None:
    settings = ContactsSettings(
        industries=["Handwerk", "Raumfahrt", {"name": "Drohnenbau", "section": "C"}]
    )
    industries = Industries(settings.industries)
    assert industries.names == ["Handwerk", "Raumfahrt", "Drohnenbau"]
    assert [industries.section_of(n) for n in industries.names] == ["F", None, "C"]
    assert "Hotellerie" not in industries
    with pytest.raises(ValueError):
        Industry(name="X", section="Z")  # type: ignore[arg-type]


def test_the_catalogue_shows_every_section_and_its_names() -> None:
    catalogue = INDUSTRIES.catalogue()
    assert [s.section for s in catalogue.sections] == list(SECTIONS)
    hospitality = next(s for s in catalogue.sections if s.section == "I")
    assert hospitality.title == "Gastgewerbe"
    assert {"Gastgewerbe", "Hotellerie", "Gastronomie"} <= set(hospitality.names)
    assert catalogue.unclassified == ["Sonstige"]


def _settled(**fields) -> Organisation:  # type: ignore[no-untyped-def]
    return REFERENCE.settle(Organisation(id="o", name="Hotel am Phoenixsee", **fields))


def test_an_organisation_keeps_its_industry_name_and_knows_its_section() -> None:
    hotel = _settled(district="Hörde", industry="hotellerie")
    assert (hotel.industry, hotel.industry_section) == ("Hotellerie", "I")
    assert _settled(district="Hörde").industry_section is None


def test_the_officer_is_a_staff_member_by_default_the_districts_first() -> None:
    assert _settled(district="Hörde").officer == "m.schneider"
    assert _settled(district="Innenstadt-Nord").officer == "t.yilmaz"
    assert _settled(district="Hörde", officer="t.yilmaz").officer == "t.yilmaz"
    assert _settled(district="Hörde", officer="Tarik Yılmaz").officer == "t.yilmaz"  # by name
    with pytest.raises(Unprocessable) as error:
        _settled(district="Hörde", officer="a.yilmaz")
    assert "m.schneider" in error.value.extra["known_officers"]
    assert "k.wagner" not in error.value.extra["known_officers"]  # a coordinator, no officer
    # an officer of earlier days stays when a change leaves it alone
    kept = REFERENCE.settle(
        Organisation(id="o", name="X", district="Hörde", officer="old.name"), officer_given=False
    )
    assert kept.officer == "old.name"


def test_without_officers_in_the_staff_list_the_officer_stays_free_text() -> None:
    reference = Reference(DORTMUND, INDUSTRIES, Officers(Staff([])))
    organisation = Organisation(id="o", name="X", district="Hörde", officer="wer auch immer")
    assert reference.settle(organisation).officer == "wer auch immer"
    assert reference.settle(organisation.model_copy(update={"officer": None})).officer is None


def test_an_import_row_maps_industry_and_officer_or_says_what_is_near() -> None:
    row = {"organisation_name": "Autohaus Borsig", "district": "Eving"}
    parsed = imports.parse_row(
        2, {**row, "industry": "kfz-gewerbe", "officer": "Tarik Yılmaz"}, REFERENCE
    )
    assert isinstance(parsed, imports.ImportRow) and parsed.organisation is not None
    assert (parsed.organisation.industry, parsed.organisation.officer) == (
        "Kfz-Gewerbe",
        "t.yilmaz",
    )
    broken = imports.parse_row(3, {**row, "industry": "Kfz", "officer": "Frau Niemand"}, REFERENCE)
    assert isinstance(broken, RowError)
    assert "unknown industry 'Kfz'; did you mean 'Kfz-Gewerbe'" in broken.errors[0]
    assert broken.errors[1].startswith("unknown officer 'Frau Niemand'")
    assert "m.schneider" in broken.errors[1]


def test_a_merged_organisation_knows_the_section_of_the_industry_it_keeps() -> None:
    surviving = _settled(district="Hörde", industry="Sonstige")
    merged = _settled(district="Hörde", industry="Metallbau")
    combined = REFERENCE.settle(
        organisations.merge_organisations(surviving, merged), officer_given=False
    )
    assert (combined.industry, combined.industry_section) == ("Sonstige", None)
