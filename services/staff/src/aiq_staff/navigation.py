"""What each role sees in the navigation and may do in the app (pure).

The services decide what a person may read and change (their token's role and districts);
the app only leaves out what would be refused anyway, so nobody is offered a dead end.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("officer", "coordinator", "admin")


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
    NavItem("/import", "Import"),
    NavItem("/veranstaltungen", "Veranstaltungen"),
)

# Actions some roles may take (others see no button for them).
PERMISSIONS = {
    "erase": ("coordinator", "admin"),  # Art. 17 erasure: an irreversible step
    "merge": ALL,
    "import": ALL,
    "close_meeting": ALL,
    "cancel_meeting": ("coordinator", "admin", "officer"),
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
