"""Lists as tables in the import's columns, so an export can be edited and imported again
(the import ignores the extra ``id``, ``organisation_id`` and ``memberships`` columns).
Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiq_contacts.imports.rules import COLUMNS
from aiq_contacts.organisations.schemas import Address, Organisation
from aiq_contacts.people.schemas import Person

ORGANISATION_COLUMNS = COLUMNS[:12]
Table = tuple[list[str], list[list[Any]]]


def organisations_table(organisations: Sequence[Organisation]) -> Table:
    return ["id", *ORGANISATION_COLUMNS], [[o.id, *_organisation_row(o)] for o in organisations]


def people_table(people: Sequence[Person], organisations: Mapping[str, Organisation]) -> Table:
    """``organisations``: every organisation the people belong to, by id."""
    columns = ["id", "organisation_id", *COLUMNS, "memberships"]
    rows = []
    for person in people:
        organisation = organisations.get(person.organisation_id or "")
        org_values = _organisation_row(organisation) if organisation else [None] * 12
        rows.append(
            [
                person.id,
                person.organisation_id,
                *org_values,
                person.first_name,
                person.last_name,
                person.kind,
                person.email,
                person.phone,
                person.role,
                person.position,
                person.language,
                person.tags,
                "ja" if person.email_consent else "nein",
                _memberships(person, organisations),
            ]
        )
    return columns, rows


def _organisation_row(o: Organisation) -> list[Any]:
    address = o.address or Address()
    return [
        o.name,
        o.kind,
        o.industry,
        o.district,
        address.street,
        address.postcode,
        address.city,
        o.website,
        o.officer,
        o.partner_since.isoformat() if o.partner_since else None,
        o.status,
        o.tags,
    ]


def _memberships(person: Person, organisations: Mapping[str, Organisation]) -> str:
    """Every organisation the person belongs to, the main one first: ``Name (role, position)``."""
    named = []
    for membership in person.memberships:
        organisation = organisations.get(membership.organisation_id)
        name = organisation.name if organisation else membership.organisation_id
        roles = ", ".join(r for r in (membership.role, membership.position) if r)
        named.append(f"{name} ({roles})" if roles else name)
    return "; ".join(named)
