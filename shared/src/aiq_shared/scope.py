"""What a caller may see: all districts (admins, coordinators) or some (an officer's).

Each request resolves its caller once (``aiq_shared.auth``) into a :class:`Scope`, which the
service passes to its use cases and repositories: every read filters by it in the database
query (:meth:`Scope.query`) and every write checks the resource first (:meth:`Scope.covers`),
so a resource outside answers 404, as if it did not exist. A resource may belong to several
districts (a meeting for nine districts, a person and the organisations they work for): it is
visible to an officer of any of them. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Matches no document: a scope without districts sees nothing.
NOTHING: dict[str, Any] = {"_id": {"$exists": False}}


@dataclass(frozen=True, slots=True)
class Scope:
    """``districts`` None: every district; otherwise exactly these."""

    districts: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, districts: Iterable[str]) -> Scope:
        return cls(frozenset(districts))

    @property
    def sees_all(self) -> bool:
        return self.districts is None

    def covers(self, districts: str | Iterable[str | None] | None) -> bool:
        """Whether a resource in ``districts`` (one, or any of several) is in scope."""
        if self.districts is None:
            return True
        if districts is None:
            return False
        wanted = {districts} if isinstance(districts, str) else set(districts)
        return bool(self.districts & wanted)

    def query(self, field: str = "district") -> dict[str, Any]:
        """The MongoDB filter fragment: documents whose ``field`` (a district, or a list of
        them) is in scope. Never an empty ``$in`` (the embedded server can't take one)."""
        if self.districts is None:
            return {}
        if not self.districts:
            return dict(NOTHING)
        return {field: {"$in": sorted(self.districts)}}

    def narrow(self, query: dict[str, Any], field: str = "district") -> dict[str, Any]:
        """``query`` and the scope's fragment together."""
        fragment = self.query(field)
        if not fragment:
            return query
        if not query:
            return fragment
        return {"$and": [query, fragment]}

    def visible(self, districts: Iterable[str]) -> list[str]:
        """Those of ``districts`` in scope, in their order."""
        return [d for d in districts if self.covers(d)]


EVERYTHING = Scope.everything()
