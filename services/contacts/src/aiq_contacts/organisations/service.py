"""Organisations' use cases: each change is written with its events and its audit entry in
one transaction. Other subjects find organisations through the public methods here.

Every read takes the caller's scope and finds only what lies in it (404 otherwise); a change
loads its organisation through the scope first, and its result must stay in the scope. When
an organisation moves to another district, the listeners given to :meth:`when_moved` follow
it in the same transaction (its people's districts, its history's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

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
from aiq_shared.audit import changed_fields
from aiq_shared.contracts.contacts import OrganisationCreatedV1, OrganisationUpdatedV1
from aiq_shared.errors import NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import Scope
from aiq_shared.targeting import ContactFilter

RESOURCE = "organisation"
Moved = Callable[[Organisation, Tx], Awaitable[None]]


class OrganisationService:
    def __init__(
        self, database: Database, organisations: OrganisationRepository, reference: Reference
    ) -> None:
        self._database = database
        self._organisations = organisations
        self.reference = reference
        self._moved: list[Moved] = []

    def when_moved(self, listener: Moved) -> None:
        """``listener(organisation, tx)`` runs when an organisation's district changes."""
        self._moved.append(listener)

    async def add(self, data: OrganisationCreate, tx: Tx) -> OrganisationCreated:
        """A new organisation, within ``tx`` (creating one, or an import's row)."""
        organisation = self.reference.settle(Organisation(id=new_id(), **data.model_dump()))
        named_alike = await self._organisations.named_like(organisation.name, tx.session)
        duplicates = rules.possible_duplicates(organisation, named_alike)
        await self._organisations.add(organisation, tx.session)
        tx.emit(rules.organisation_event(OrganisationCreatedV1, organisation))
        tx.audit(RESOURCE, organisation.id, "created", changed_fields(None, organisation))
        return OrganisationCreated(**organisation.model_dump(), possible_duplicates=duplicates)

    async def create(
        self, data: OrganisationCreate, scope: Scope, idempotency_key: str | None = None
    ) -> OrganisationCreated:
        rules.require_within(scope, data.district, "the organisation")

        async def work(tx: Tx) -> OrganisationCreated:
            return await self.add(data, tx)

        return await once(
            self._database, idempotency_key, "organisations", work, OrganisationCreated
        )

    async def update(
        self, organisation_id: str, update: OrganisationUpdate, scope: Scope
    ) -> Organisation:
        async def work(tx: Tx) -> Organisation:
            organisation = await self.get(organisation_id, scope, tx)
            changed = self.reference.settle(
                rules.update_organisation(organisation, update),
                officer_given="officer" in update.model_fields_set,
            )
            rules.require_within(scope, changed.district, "the organisation")
            await self.save_changed(organisation, changed, tx)
            return changed

        return await self._database.transaction(work)

    async def save_changed(
        self, before: Organisation, after: Organisation, tx: Tx, action: str = "updated"
    ) -> None:
        """Write a changed organisation, announce it and audit it (nothing if nothing
        changed); one that moved takes its people and history along."""
        if after == before:
            return
        await self._organisations.save(after, tx.session)
        tx.emit(rules.organisation_event(OrganisationUpdatedV1, after))
        tx.audit(RESOURCE, after.id, action, changed_fields(before, after))
        if after.district != before.district:
            for listener in self._moved:
                await listener(after, tx)

    async def remove(self, organisation: Organisation, tx: Tx, action: str) -> None:
        """The organisation is gone (merged into another)."""
        await self._organisations.delete(organisation.id, tx.session)
        tx.audit(RESOURCE, organisation.id, action)

    async def get(self, organisation_id: str, scope: Scope, tx: Tx | None = None) -> Organisation:
        """The organisation, or 404 (also when it is outside ``scope``)."""
        session = tx.session if tx else None
        organisation = await self._organisations.visible(organisation_id, scope, session)
        if organisation is None:
            raise NotFound(f"no organisation {organisation_id}")
        return organisation

    async def named(self, organisation_id: str | None, scope: Scope, tx: Tx) -> Organisation | None:
        """The organisation a request names (None names none), or 422: it must exist (in
        ``scope``: one outside it reads as none)."""
        if organisation_id is None:
            return None
        organisation = await self._organisations.visible(organisation_id, scope, tx.session)
        if organisation is None:
            raise Unprocessable(f"no organisation {organisation_id}")
        return organisation

    async def by_ids(
        self, ids: Collection[str], scope: Scope, tx: Tx | None = None
    ) -> dict[str, Organisation]:
        """Those of the organisations in ``scope``, by id."""
        return await self._organisations.by_ids(ids, scope, tx.session if tx else None)

    async def search(self, query: OrganisationQuery, scope: Scope) -> CountedPage[Organisation]:
        return await self._organisations.listed(
            query.filter(), query.q, query.industry_section, query.page, query.order, scope
        )

    async def for_export(
        self, criteria: OrganisationCriteria, scope: Scope, most: int
    ) -> list[Organisation]:
        return await self._organisations.exported(
            criteria.filter(), criteria.q, criteria.industry_section, criteria.order, most, scope
        )

    async def selection(
        self, criteria: ContactFilter, sections: Sequence[str] = ()
    ) -> tuple[list[str] | None, list[str] | None]:
        """For a people list: the organisations meeting the filter's organisation criteria
        (None: it has none), and those of them carrying one of its tags (None: no tags).
        Not scoped: the people selected through them are (a person's organisations are part
        of the person)."""
        return await self._organisations.selection(criteria, sections)

    async def found_again(self, data: OrganisationFields, tx: Tx) -> Organisation | None:
        """The organisation an import row names, if it is there already (imports are the
        coordinators': every district)."""
        if data.name is None:
            return None
        named_alike = await self._organisations.named_like(data.name, tx.session)
        return rules.same_organisation(data, named_alike)
