"""Export's use cases: a filtered list of organisations or people as a table in the import's
columns (up to 20,000 rows), of the caller's districts only. A person's organisations outside
them are named by id only (their details are another district's)."""

from __future__ import annotations

from aiq_contacts.exports import rules
from aiq_contacts.exports.rules import Table
from aiq_contacts.imports.rules import MAX_ROWS
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people.service import PersonService
from aiq_contacts.search.schemas import OrganisationCriteria, PeopleCriteria
from aiq_shared.scope import Scope


class ExportService:
    def __init__(self, organisations: OrganisationService, people: PersonService) -> None:
        self._organisations = organisations
        self._people = people

    async def organisations(self, criteria: OrganisationCriteria, scope: Scope) -> Table:
        found = await self._organisations.for_export(criteria, scope, MAX_ROWS)
        return rules.organisations_table(found)

    async def people(self, criteria: PeopleCriteria, scope: Scope) -> Table:
        found = await self._people.for_export(criteria, scope, MAX_ROWS)
        organisations = await self._organisations.by_ids(
            {m.organisation_id for person in found for m in person.memberships}, scope
        )
        return rules.people_table(found, organisations)
