"""Names as search, sorting and duplicate detection read them. Plain Python, no I/O."""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_LEGAL_FORMS = re.compile(
    r"\b(gmbh|mbh|ag|kg|ohg|ug|gbr|e\.?\s?k|e\.?\s?v|co|haftungsbeschrankt|und|&)\b"
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``Müller`` and ``MULLER`` both become ``muller``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w@.]+", " ", stripped).split())


def search_terms(*parts: str | None) -> str:
    """What a name search looks in: every word folded, German umlauts also spelled out
    (``Müller`` is found by ``mül``, ``mul`` and ``muell``)."""
    words: list[str] = []
    for part in parts:
        if not part:
            continue
        words += fold(part).split()
        words += fold(part.casefold().translate(_UMLAUTS)).split()
    return " ".join(dict.fromkeys(words))


def search_pattern(q: str) -> list[str]:
    """Regular expressions (all must match) for a user's query: each word a word prefix."""
    return [rf"(^| ){re.escape(word)}" for word in fold(q).split()[:8]]


def spelled_out(text: str) -> str:
    """``fold`` with German umlauts spelled out: ``Öffentlich`` reads as ``Oeffentlich``."""
    return fold(text.casefold().translate(_UMLAUTS))


def duplicate_key(name: str) -> str:
    """A company's name without legal form, case, accents and punctuation."""
    folded = spelled_out(name).replace(".", " ")
    return " ".join(_LEGAL_FORMS.sub(" ", folded).split())


def looks_like_same_organisation(
    name: str, postcode: str | None, other_name: str, other_postcode: str | None
) -> bool:
    """Same normalised name, and the same postcode where both have one."""
    if duplicate_key(name) != duplicate_key(other_name):
        return False
    return postcode is None or other_postcode is None or postcode == other_postcode
