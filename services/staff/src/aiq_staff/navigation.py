"""What each role sees in the navigation and may do in the app (pure).

The services decide what a person may read and change (their token's role and districts);
the app only leaves out what would be refused anyway, so nobody is offered a dead end.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("officer", "coordinator", "admin")
COORDINATION = ("coordinator", "admin")


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: tuple[str, ...] = ALL


NAVIGATION = (
    NavItem("/", "Mein Bezirk"),
    NavItem("/betriebe", "Betriebe"),
    NavItem("/personen", "Personen"),
    NavItem("/segmente", "Segmente"),
    NavItem("/import", "Import", COORDINATION),
    NavItem("/veranstaltungen", "Veranstaltungen"),
)

# Actions some roles may take (others see no button for them); the services refuse them too.
PERMISSIONS = {
    "erase": COORDINATION,  # Art. 17 erasure: an irreversible step
    "merge": COORDINATION,
    "import": COORDINATION,
    "close_meeting": ALL,
    "cancel_meeting": ("coordinator", "admin", "officer"),
}


# what someone without the role is told, should they follow an old link
REFUSALS = {
    "erase": "Löschen dürfen Koordination und Administration.",
    "merge": "Betriebe zusammenführen dürfen Koordination und Administration. "
    "Bitte wenden Sie sich an die Koordination.",
    "import": "Importieren dürfen Koordination und Administration. "
    "Bitte wenden Sie sich an die Koordination.",
}


def navigation(role: str | None) -> list[NavItem]:
    return [item for item in NAVIGATION if role in item.roles]


def may(role: str | None, action: str) -> bool:
    return role in PERMISSIONS.get(action, ())


def current(path: str, item: NavItem) -> bool:
    """Is ``item`` the section ``path`` belongs to (for ``aria-current``)?"""
    if item.path == "/":
        return path == "/"
    return path == item.path or path.startswith(item.path + "/")
