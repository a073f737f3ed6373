"""Where a person is visible: their own district and that of every organisation they belong
to, kept on the person (``districts``, indexed), so every list and search filters by the
caller's scope in the query itself.

A person's districts are set whenever the person is written (``PersonService``) and follow
their organisations: when one moves to another district (``OrganisationService.when_moved``),
its people are placed again in the same transaction, and the listeners given to
:meth:`Placement.when_moved` follow them (the history entries only about them). People stored
before they had districts are placed once, at start-up (:meth:`Placement.backfill`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people import rules
from aiq_contacts.people.repository import PersonRepository
from aiq_contacts.people.schemas import Person
from aiq_shared.mongo import Database, Tx
from aiq_shared.scope import EVERYTHING

RESOURCE = "person"
PersonMoved = Callable[[Person, Tx], Awaitable[None]]


class Placement:
    def __init__(
        self, database: Database, people: PersonRepository, organisations: OrganisationService
    ) -> None:
        self._database = database
        self._people = people
        self._organisations = organisations
        self._listeners: list[PersonMoved] = []

    def when_moved(self, listener: PersonMoved) -> None:
        """``listener(person, tx)`` runs when the districts a person is visible in change."""
        self._listeners.append(listener)

    async def placed(self, person: Person, tx: Tx | None = None) -> Person:
        """The person with the districts they are visible in now."""
        ids = {m.organisation_id for m in person.memberships}
        found = await self._organisations.by_ids(ids, EVERYTHING, tx)
        return person.model_copy(update={"districts": rules.visible_in(person, found)})

    async def moved(self, person: Person, tx: Tx) -> None:
        """Tell the listeners that ``person`` is visible elsewhere now."""
        for listener in self._listeners:
            await listener(person, tx)

    async def organisation_moved(self, organisation: Organisation, tx: Tx) -> None:
        """An organisation's people follow it to its new district."""
        for person in await self._people.members_of(organisation.id, tx.session):
            placed = await self.placed(person, tx)
            if placed.districts != person.districts:
                await self._people.place(person.id, placed.districts, tx.session)
                tx.audit(RESOURCE, person.id, "placed", ["districts"])
                await self.moved(placed, tx)

    async def backfill(self) -> int:
        """Place the people stored before they had districts (or the lists' keys, written
        with the whole person); how many there were."""
        unplaced = await self._people.unplaced()
        for person in unplaced:

            async def work(tx: Tx, person: Person = person) -> None:
                placed = await self.placed(person, tx)
                await self._people.save(placed, tx.session)
                tx.audit(RESOURCE, person.id, "placed", ["districts"])

            await self._database.transaction(work)
        return len(unplaced)
