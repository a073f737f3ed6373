"""Responsible officers: every organisation's ``officer`` is one of the programme's
Betriebsakquisiteur*innen from the staff setting (by username). Plain Python, no I/O.

Without an officer given, the first officer listed for the organisation's district is its
officer. A staff list without officers (an installation that has not set one) leaves the field
free text, as it was before staff were configured.
"""

from __future__ import annotations

from aiq_contacts.search.rules import fold
from aiq_shared.errors import Unprocessable
from aiq_shared.staff import Staff, StaffMember


class Officers:
    def __init__(self, staff: Staff) -> None:
        self._staff = staff
        self._officers = [m for m in staff.members if m.role == "officer"]

    def known(self) -> list[str]:
        return [m.username for m in self._officers]

    def members(self) -> list[StaffMember]:
        return list(self._officers)

    def resolve(self, given: str) -> str | None:
        """The username of the officer ``given`` names (their username or their name)."""
        wanted = fold(given)
        for member in self._officers:
            if member.username == given.strip() or fold(member.name) == wanted:
                return member.username
        return None

    def require(self, given: str) -> str:
        """The officer's username, or 422 naming the known officers."""
        if not self._officers:
            return given
        username = self.resolve(given)
        if username is None:
            raise Unprocessable(unknown_message(given), known_officers=self.known())
        return username

    def default_for(self, district: str | None) -> str | None:
        officer = self._staff.officer_of(district)
        return officer.username if officer else None


def unknown_message(given: str) -> str:
    return f"unknown officer {given!r}: give a staff username (see known_officers)"
