"""Districts (Stadtbezirke) are data, not code: Dortmund's twelve are the default list."""

from __future__ import annotations

DORTMUND = (
    "Innenstadt-West",
    "Innenstadt-Nord",
    "Innenstadt-Ost",
    "Eving",
    "Scharnhorst",
    "Brackel",
    "Aplerbeck",
    "Hörde",
    "Hombruch",
    "Lütgendortmund",
    "Huckarde",
    "Mengede",
)
