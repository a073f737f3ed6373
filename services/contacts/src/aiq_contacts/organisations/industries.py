"""Branchen: the German classification of economic activities and the names the programme uses
for them. Plain Python, no I/O.

The classification is the Statistisches Bundesamt's "Klassifikation der Wirtschaftszweige,
Ausgabe 2008" (WZ 2008): 21 sections, A to U, with their official German titles. Companies call
their industry otherwise ("Hotellerie", "Kfz-Gewerbe", "IT und Telekommunikation"), so the
programme's common short names are mapped onto the sections. An organisation keeps the name it
was given; its section is known from the name (``industry_section``) and can be filtered on.
The accepted names are a setting (``AIQ_CONTACTS_INDUSTRIES``: a JSON list of names, or of
``{"name", "section"}`` for names of the programme's own).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiq_contacts.organisations.schemas import Catalogue, SectionView
from aiq_contacts.search.rules import spelled_out as fold
from aiq_shared.errors import Unprocessable

# WZ 2008, Abschnitte (Destatis): the sections and their official titles.
SECTIONS: dict[str, str] = {
    "A": "Land- und Forstwirtschaft, Fischerei",
    "B": "Bergbau und Gewinnung von Steinen und Erden",
    "C": "Verarbeitendes Gewerbe",
    "D": "Energieversorgung",
    "E": "Wasserversorgung; Abwasser- und Abfallentsorgung und Beseitigung von "
    "Umweltverschmutzungen",
    "F": "Baugewerbe",
    "G": "Handel; Instandhaltung und Reparatur von Kraftfahrzeugen",
    "H": "Verkehr und Lagerei",
    "I": "Gastgewerbe",
    "J": "Information und Kommunikation",
    "K": "Erbringung von Finanz- und Versicherungsdienstleistungen",
    "L": "Grundstücks- und Wohnungswesen",
    "M": "Erbringung von freiberuflichen, wissenschaftlichen und technischen Dienstleistungen",
    "N": "Erbringung von sonstigen wirtschaftlichen Dienstleistungen",
    "O": "Öffentliche Verwaltung, Verteidigung; Sozialversicherung",
    "P": "Erziehung und Unterricht",
    "Q": "Gesundheits- und Sozialwesen",
    "R": "Kunst, Unterhaltung und Erholung",
    "S": "Erbringung von sonstigen Dienstleistungen",
    "T": "Private Haushalte mit Hauspersonal; Herstellung von Waren und Erbringung von "
    "Dienstleistungen durch private Haushalte für den Eigenbedarf ohne ausgeprägten Schwerpunkt",
    "U": "Exterritoriale Organisationen und Körperschaften",
}

# What Dortmund's companies call their industry, and the section it belongs to. Handwerk spans
# several sections; on its own it is counted with the Baugewerbe, where most Handwerk firms are
# (a bakery is better given as Lebensmittelhandwerk, a hairdresser as Friseurhandwerk).
SHORT_NAMES: dict[str, str] = {
    "Landwirtschaft": "A",
    "Gartenbau": "A",
    "Bergbau": "B",
    "Industrie": "C",
    "Industrie und Produktion": "C",
    "Produktion": "C",
    "Metall- und Elektroindustrie": "C",
    "Metallbau": "C",
    "Chemie und Pharma": "C",
    "Stahl": "C",
    "Lebensmittelhandwerk": "C",
    "Bäckerei und Konditorei": "C",
    "Lebensmittelindustrie": "C",
    "Druck und Papier": "C",
    "Energie": "D",
    "Energie und Umwelt": "D",
    "Entsorgung und Recycling": "E",
    "Wasserwirtschaft": "E",
    "Bau": "F",
    "Handwerk": "F",
    "Bauhandwerk": "F",
    "Elektrohandwerk": "F",
    "Sanitär, Heizung, Klima": "F",
    "Maler und Lackierer": "F",
    "Handel": "G",
    "Einzelhandel": "G",
    "Großhandel": "G",
    "Kfz-Gewerbe": "G",
    "Kfz und Mobilität": "G",
    "Kfz-Handwerk": "G",
    "Kfz-Werkstatt": "G",
    "Autohaus": "G",
    "Apotheke": "G",
    "Logistik": "H",
    "Spedition": "H",
    "Verkehr und Transport": "H",
    "Öffentlicher Personennahverkehr": "H",
    "Post und Kurierdienste": "H",
    "Gastronomie": "I",
    "Hotellerie": "I",
    "Hotellerie und Tourismus": "I",
    "Hotel- und Gaststättengewerbe": "I",
    "Systemgastronomie": "I",
    "IT und Telekommunikation": "J",
    "IT und Software": "J",
    "IT": "J",
    "IT-Dienstleistungen": "J",
    "Softwareentwicklung": "J",
    "Telekommunikation": "J",
    "Medien und Kommunikation": "J",
    "Verlagswesen": "J",
    "Banken und Versicherungen": "K",
    "Bank": "K",
    "Versicherung": "K",
    "Finanzdienstleistungen": "K",
    "Immobilien": "L",
    "Wohnungswirtschaft": "L",
    "Beratung": "M",
    "Steuerberatung und Wirtschaftsprüfung": "M",
    "Rechtsberatung": "M",
    "Ingenieurbüro": "M",
    "Architektur": "M",
    "Werbung und Marketing": "M",
    "Forschung und Entwicklung": "M",
    "Büro und Verwaltung": "N",
    "Reinigung und Gebäudeservice": "N",
    "Gebäudereinigung": "N",
    "Facility Management": "N",
    "Sicherheitsdienste": "N",
    "Zeitarbeit und Personaldienstleistungen": "N",
    "Garten- und Landschaftsbau": "N",
    "Reisebüro und Reiseveranstalter": "N",
    "Öffentlicher Dienst": "O",
    "Öffentliche Verwaltung": "O",
    "Stadtverwaltung": "O",
    "Polizei": "O",
    "Bundeswehr": "O",
    "Bildung": "P",
    "Weiterbildung und Bildungsträger": "P",
    "Hochschule": "P",
    "Pflege": "Q",
    "Gesundheit und Pflege": "Q",
    "Gesundheitswesen": "Q",
    "Krankenhaus": "Q",
    "Altenpflege": "Q",
    "Arztpraxis": "Q",
    "Soziales": "Q",
    "Soziales und Erziehung": "Q",
    "Kita": "Q",
    "Kultur": "R",
    "Sport und Freizeit": "R",
    "Friseurhandwerk": "S",
    "Kosmetik": "S",
    "Vereine und Verbände": "S",
    "Sonstige Dienstleistungen": "S",
}
# Accepted by default without a section: the old default list's catch-all.
UNCLASSIFIED = ("Sonstige",)


Section = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S",
    "T", "U",
]  # fmt: skip


class Industry(BaseModel):
    """One name the setting accepts, and its WZ 2008 section (None: not classified)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    section: Section | None = None


def default_setting() -> list[str | Industry]:
    """The default list: every section's title and the short names, with their sections."""
    titles = [Industry(name=title, section=code) for code, title in SECTIONS.items()]
    short = [Industry(name=n, section=s) for n, s in SHORT_NAMES.items()]
    return [*titles, *short, *(Industry(name=name) for name in UNCLASSIFIED)]


def _known_section(name: str) -> str | None:
    """The section of a name the classification or the short names know (for plain names in
    the setting)."""
    folded = fold(name)
    for code, title in SECTIONS.items():
        if fold(title) == folded:
            return code
    return next((s for n, s in SHORT_NAMES.items() if fold(n) == folded), None)


class Industries:
    """The accepted names (from the setting), their sections, and the nearest names to one
    that is not accepted."""

    def __init__(self, setting: Iterable[str | Industry]) -> None:
        entries = [
            e if isinstance(e, Industry) else Industry(name=e, section=_known_section(e))
            for e in setting
        ]
        self._by_fold = {fold(e.name): e for e in entries}
        self.names = [e.name for e in entries]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and fold(name) in self._by_fold

    def canonical(self, name: str) -> str | None:
        """The accepted spelling of ``name`` (case, accents and punctuation aside), if any."""
        entry = self._by_fold.get(fold(name))
        return entry.name if entry else None

    def section_of(self, name: str | None) -> str | None:
        entry = self._by_fold.get(fold(name)) if name else None
        return entry.section if entry else None

    def suggest(self, name: str, most: int = 3) -> list[str]:
        """The accepted names nearest to ``name``: similar spellings, and names one of whose
        words begins like one of its words ("Hotel" -> "Hotellerie"), the closest first."""
        folded = fold(name)
        scored = []
        for known, entry in self._by_fold.items():
            similar = difflib.SequenceMatcher(None, folded, known).ratio()
            shared = _share_a_word_beginning(folded.split(), known.split())
            if similar >= 0.6 or shared:
                scored.append((similar + (0.4 if shared else 0), entry.name))
        return [name for _, name in sorted(scored, key=lambda s: -s[0])[:most]]

    def require(self, name: str) -> str:
        """The accepted spelling, or 422 with the known names and the nearest ones."""
        canonical = self.canonical(name)
        if canonical is None:
            suggestions = self.suggest(name)
            raise Unprocessable(
                unknown_message(name, suggestions),
                known_industries=self.names,
                suggested_industries=suggestions,
            )
        return canonical

    def catalogue(self) -> Catalogue:
        by_section: dict[str | None, list[str]] = {}
        for entry in self._by_fold.values():
            by_section.setdefault(entry.section, []).append(entry.name)
        return Catalogue(
            sections=[
                SectionView(section=code, title=title, names=by_section.get(code, []))
                for code, title in SECTIONS.items()
            ],
            unclassified=by_section.get(None, []),
        )


_FILLERS = {"und", "der", "die", "das", "von", "fur", "am", "im"}


def _share_a_word_beginning(words: Sequence[str], known: Sequence[str]) -> bool:
    """One word is the other ("IT"), or begins the other, at least three letters long."""
    return any(
        a == b or (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)))
        for a in words
        for b in known
        if a not in _FILLERS and b not in _FILLERS
    )


def unknown_message(name: str, suggestions: Sequence[str]) -> str:
    message = f"unknown industry {name!r}"
    if suggestions:
        message += f"; did you mean {' or '.join(repr(s) for s in suggestions)}?"
    return message
