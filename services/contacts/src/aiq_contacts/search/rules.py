"""Names as search and sorting read them: folded (case, accents and umlauts aside) and split
into the words a search looks in. Plain Python, no I/O.

Every list of the contacts service searches with these (``q``: each word must begin a word of
the name) and sorts by the folded name; organisations find their duplicates with them."""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


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
        words += spelled_out(part).split()
    return " ".join(dict.fromkeys(words))


def search_pattern(q: str) -> list[tuple[str, str]]:
    """For each word of a user's query (all must match), the two plain-text regular
    expressions of which one finds it beginning a word of the folded name: at its start or
    after a space. Plain text, so that a database can test them without a regex engine."""
    return [(f"^{re.escape(word)}", re.escape(f" {word}")) for word in fold(q).split()[:8]]


def spelled_out(text: str) -> str:
    """``fold`` with German umlauts spelled out: ``Öffentlich`` reads as ``Oeffentlich``."""
    return fold(text.casefold().translate(_UMLAUTS))
