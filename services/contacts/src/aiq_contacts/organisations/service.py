"""Organisations' use cases: each change is written with its events in one transaction.
Other subjects find organisations through the public methods here."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiq_contacts.organisations import rules
from aiq_contacts.organisations.reference import Reference
from aiq_contacts.organisations.repository import OrganisationRepository
from aiq_contacts.organisations.schemas import (
    Organisation,
    OrganisationCreate,
    OrganisationCreated,
    OrganisationFields,
    OrganisationUpdate,
)
from aiq_contacts.search.schemas import CountedPage, OrganisationCriteria, OrganisationQuery
from aiq_shared.contracts.contacts import OrganisationCreatedV1, OrganisationUpdatedV1
from aiq_shared.errors import NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.targeting import ContactFilter


class OrganisationService:
    def __init__(
        self, database: Database, organisations: OrganisationRepository, reference: Reference
    ) -> None:
        self._database = database
        self._organisations = organisations
        self.reference = reference

    async def add(self, data: OrganisationCreate, tx: Tx) -> OrganisationCreated:
        """A new organisation, within ``tx`` (creating one, or an import's row)."""
        organisation = self.reference.settle(Organisation(id=new_id(), **data.model_dump()))
        named_alike = await self._organisations.named_like(organisation.name, tx.session)
        duplicates = rules.possible_duplicates(organisation, named_alike)
        await self._organisations.add(organisation, tx.session)
        tx.emit(rules.organisation_event(OrganisationCreatedV1, organisation))
        return OrganisationCreated(**organisation.model_dump(), possible_duplicates=duplicates)

    async def create(
        self, data: OrganisationCreate, idempotency_key: str | None = None
    ) -> OrganisationCreated:
        async def work(tx: Tx) -> OrganisationCreated:
            return await self.add(data, tx)

        return await once(
            self._database, idempotency_key, "organisations", work, OrganisationCreated
        )

    async def update(self, organisation_id: str, update: OrganisationUpdate) -> Organisation:
        async def work(tx: Tx) -> Organisation:
            organisation = await self.get(organisation_id, tx)
            changed = self.reference.settle(
                rules.update_organisation(organisation, update),
                officer_given="officer" in update.model_fields_set,
            )
            await self.save_changed(organisation, changed, tx)
            return changed

        return await self._database.transaction(work)

    async def save_changed(self, before: Organisation, after: Organisation, tx: Tx) -> None:
        """Write a changed organisation and announce it (nothing if nothing changed)."""
        if after != before:
            await self._organisations.save(after, tx.session)
            tx.emit(rules.organisation_event(OrganisationUpdatedV1, after))

    async def get(self, organisation_id: str, tx: Tx | None = None) -> Organisation:
        """The organisation, or 404."""
        organisation = await self._organisations.get(organisation_id, tx.session if tx else None)
        if organisation is None:
            raise NotFound(f"no organisation {organisation_id}")
        return organisation

    async def named(self, organisation_id: str | None, tx: Tx) -> Organisation | None:
        """The organisation a request names (None names none), or 422: it must exist."""
        if organisation_id is None:
            return None
        organisation = await self._organisations.get(organisation_id, tx.session)
        if organisation is None:
            raise Unprocessable(f"no organisation {organisation_id}")
        return organisation

    async def by_ids(self, ids: Collection[str], tx: Tx | None = None) -> dict[str, Organisation]:
        return await self._organisations.by_ids(ids, tx.session if tx else None)

    async def search(self, query: OrganisationQuery) -> CountedPage[Organisation]:
        return await self._organisations.listed(
            query.filter(), query.q, query.industry_section, query.page, query.order
        )

    async def for_export(self, criteria: OrganisationCriteria, most: int) -> list[Organisation]:
        return await self._organisations.exported(
            criteria.filter(), criteria.q, criteria.industry_section, criteria.order, most
        )

    async def selection(
        self, criteria: ContactFilter, sections: Sequence[str] = ()
    ) -> tuple[list[str] | None, list[str] | None]:
        """For a people list: the organisations meeting the filter's organisation criteria
        (None: it has none), and those of them carrying one of its tags (None: no tags)."""
        return await self._organisations.selection(criteria, sections)

    async def found_again(self, data: OrganisationFields, tx: Tx) -> Organisation | None:
        """The organisation an import row names, if it is there already."""
        if data.name is None:
            return None
        named_alike = await self._organisations.named_like(data.name, tx.session)
        return rules.same_organisation(data, named_alike)
