"""The development staff list: fictional Betriebsakquisiteur*innen for Dortmund's districts.

``./aiq up`` and the tests give it to every service (``AIQ_<SERVICE>_STAFF``); a real
installation sets its own. The sign-in users of the demo are these people.
"""

from __future__ import annotations

import json

from aiq_shared.staff import StaffMember

DEVELOPMENT_STAFF: tuple[StaffMember, ...] = (
    StaffMember(
        username="m.schneider",
        name="Maria Schneider",
        email="m.schneider@aiq-dortmund.example",
        phone="0231 50-11001",
        districts=["Hörde"],
    ),
    StaffMember(
        username="t.yilmaz",
        name="Tarik Yılmaz",
        email="t.yilmaz@aiq-dortmund.example",
        phone="0231 50-11002",
        districts=["Eving", "Innenstadt-Nord"],
    ),
    StaffMember(
        username="a.becker",
        name="Anna Becker",
        email="a.becker@aiq-dortmund.example",
        districts=["Innenstadt-West", "Innenstadt-Ost"],
    ),
    StaffMember(
        username="j.nowak",
        name="Jan Nowak",
        email="j.nowak@aiq-dortmund.example",
        districts=["Scharnhorst", "Brackel"],
    ),
    StaffMember(
        username="s.krause",
        name="Sabine Krause",
        email="s.krause@aiq-dortmund.example",
        districts=["Aplerbeck"],
    ),
    StaffMember(
        username="l.hoffmann",
        name="Lena Hoffmann",
        email="l.hoffmann@aiq-dortmund.example",
        districts=["Hombruch", "Lütgendortmund"],
    ),
    StaffMember(
        username="d.schulz",
        name="David Schulz",
        email="d.schulz@aiq-dortmund.example",
        districts=["Huckarde", "Mengede"],
    ),
    StaffMember(
        username="k.wagner",
        name="Katrin Wagner",
        email="k.wagner@aiq-dortmund.example",
        role="coordinator",
    ),
    StaffMember(
        username="it.betrieb",
        name="IT-Betrieb",
        email="it-betrieb@aiq-dortmund.example",
        role="admin",
    ),
)


def staff_json() -> str:
    """The list as the ``STAFF`` setting takes it (JSON)."""
    return json.dumps([m.model_dump(mode="json") for m in DEVELOPMENT_STAFF], ensure_ascii=False)
