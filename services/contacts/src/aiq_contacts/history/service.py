"""The contact history's changes: staff record notes, calls and visits with an organisation
or a person, and open and complete follow-ups (each one transaction with its event and its
audit entry); the events service's meetings come in as history: every step of each
registration (aiq.registrations), outcomes and their follow-ups (aiq.events). Reading the
history is ``history.lists``.

Every entry is visible in the districts of what it is about (``rules.entry_districts``),
kept on it: staff reach the organisation or person through their scope, and entries follow
when an organisation moves, a person's districts change or organisations merge.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from aiq_contacts.fields import as_stored
from aiq_contacts.history import rules
from aiq_contacts.history.repository import FollowUpRepository, InteractionRepository
from aiq_contacts.history.schemas import (
    Attendance,
    FollowUp,
    FollowUpWrite,
    Interaction,
    InteractionWrite,
)
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people.schemas import Person
from aiq_contacts.people.service import PersonService
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import FollowUpDoneV1, FollowUpOpenedV1
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import RegistrationSnapshot
from aiq_shared.errors import NotFound, Unprocessable
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import EVERYTHING, Scope

INTERACTION, FOLLOW_UP = "interaction", "follow_up"
BACKFILL_BATCH = 200


class HistoryService:
    def __init__(
        self,
        database: Database,
        interactions: InteractionRepository,
        follow_ups: FollowUpRepository,
        organisations: OrganisationService,
        people: PersonService,
        clock: Clock,
    ) -> None:
        self._database = database
        self._interactions = interactions
        self._follow_ups = follow_ups
        self._organisations = organisations
        self._people = people
        self._clock = clock

    async def add_interaction(
        self,
        data: InteractionWrite,
        scope: Scope,
        organisation_id: str | None = None,
        person_id: str | None = None,
    ) -> Interaction:
        """One recorded on a person also shows in their organisation's history (the first
        of theirs the caller sees)."""

        async def work(tx: Tx) -> Interaction:
            about = person_id or data.person_id
            organisation = person = None
            if organisation_id is not None:
                organisation = await self._organisations.get(organisation_id, scope, tx)
            if about is not None:
                person = await self._people.find(about, scope, tx)
                if person is None:
                    raise (NotFound if person_id else Unprocessable)(f"no person {about}")
                if organisation is None:
                    ids = [m.organisation_id for m in person.memberships]
                    visible = await self._organisations.by_ids(ids, scope, tx)
                    organisation = rules.organisation_for_entry(person, visible)
            interaction = Interaction(
                id=new_id(),
                kind=data.kind,
                organisation_id=organisation.id if organisation else None,
                person_id=about,
                text=data.text,
                occurred_at=data.occurred_at or self._now(),
                author=data.author,
                districts=rules.entry_districts(organisation, person),
            )
            await self._interactions.add(interaction, tx.session)
            tx.emit(rules.interaction_recorded(interaction))
            tx.audit(INTERACTION, interaction.id, "created", changed_fields(None, interaction))
            return interaction

        return await self._database.transaction(work)

    async def create_follow_up(self, data: FollowUpWrite, scope: Scope) -> FollowUp:
        rules.require_subject(data.organisation_id, data.person_id)

        async def work(tx: Tx) -> FollowUp:
            organisation = await self._organisations.named(data.organisation_id, scope, tx)
            person = None
            if data.person_id is not None:
                person = await self._people.find(data.person_id, scope, tx)
                if person is None:
                    raise Unprocessable(f"no person {data.person_id}")
            follow_up = FollowUp(
                id=new_id(),
                created_at=self._now(),
                districts=rules.entry_districts(organisation, person),
                **data.model_dump(),
            )
            await self._follow_ups.add(follow_up, tx.session)
            tx.emit(rules.follow_up_event(FollowUpOpenedV1, follow_up))
            tx.audit(FOLLOW_UP, follow_up.id, "created", changed_fields(None, follow_up))
            return follow_up

        return await self._database.transaction(work)

    async def complete_follow_up(self, follow_up_id: str, scope: Scope) -> FollowUp:
        async def work(tx: Tx) -> FollowUp:
            follow_up = await self._follow_ups.visible(follow_up_id, scope, tx.session)
            if follow_up is None:
                raise NotFound(f"no follow-up {follow_up_id}")
            if follow_up.status == "done":
                return follow_up  # done already: nothing changes, nothing to announce
            done = rules.mark_done(follow_up, self._now())
            await self._follow_ups.save(done, tx.session)
            tx.emit(rules.follow_up_event(FollowUpDoneV1, done))
            tx.audit(FOLLOW_UP, done.id, "done", changed_fields(follow_up, done))
            return done

        return await self._database.transaction(work)

    # -- meetings, from the events service ----------------------------------------------

    async def registration_changed(
        self, attendance: Attendance, event: RegistrationSnapshot, at: datetime, tx: Tx
    ) -> None:
        """One history entry per registration: its current state and every step to it."""
        if await self._people.is_erased(event.person_id, tx):
            return
        existing = await self._interactions.attendance_entry(event.registration_id, tx.session)
        districts = await self._districts(
            event.organisation_id, event.person_id, tx, event.district
        )
        entry = rules.attendance_entry(existing, attendance, event, at, new_id(), districts)
        await self._interactions.save(entry, tx.session)
        action = "updated" if existing else "created"
        tx.audit(INTERACTION, entry.id, action, changed_fields(existing, entry))

    async def meeting_outcome_recorded(self, event: MeetingOutcomeRecordedV1, tx: Tx) -> None:
        """After a meeting: a note for the history and follow-ups for the officers."""
        person_id = event.person_id
        if person_id and await self._people.is_erased(person_id, tx):
            person_id = None
        if event.organisation_id is None and person_id is None:
            return
        districts = await self._districts(event.organisation_id, person_id, tx)
        entry = rules.outcome_entry(event, person_id, new_id(), districts)
        await self._interactions.add(entry, tx.session)
        tx.audit(INTERACTION, entry.id, "created", changed_fields(None, entry))
        follow_ups = rules.outcome_follow_ups(
            event, person_id, [new_id() for _ in event.follow_ups], self._now(), districts
        )
        await self._follow_ups.add_many(follow_ups, tx.session)
        for follow_up in follow_ups:
            tx.audit(FOLLOW_UP, follow_up.id, "created", changed_fields(None, follow_up))

    # -- for the other subjects ------------------------------------------------------------

    async def move_organisation(self, merged_id: str, surviving: Organisation, tx: Tx) -> None:
        """A merged organisation's interactions and follow-ups are the surviving one's."""
        districts = [surviving.district]
        for entries in (self._interactions, self._follow_ups):
            await entries.move_organisation(merged_id, surviving.id, districts, tx.session)

    async def organisation_moved(self, organisation: Organisation, tx: Tx) -> None:
        """An organisation's entries follow it to its new district."""
        for entries in (self._interactions, self._follow_ups):
            await entries.place_organisation(organisation.id, [organisation.district], tx.session)

    async def person_moved(self, person: Person, tx: Tx) -> None:
        """The entries only about a person follow the districts the person is visible in."""
        districts = rules.entry_districts(None, person)
        for entries in (self._interactions, self._follow_ups):
            await entries.place_person(person.id, districts, tx.session)

    async def forget_person(self, person_id: str, tx: Tx) -> None:
        """Erasure: interactions about the person go, and follow-ups only about them; one
        about their organisation stays, without them."""
        await self._interactions.forget_person(person_id, tx.session)
        await self._follow_ups.forget_person(person_id, tx.session)

    async def backfill(self) -> int:
        """Place the entries stored before they had districts (once, at start-up, after the
        people); how many there were."""
        placed = 0
        for entries, resource in ((self._interactions, INTERACTION), (self._follow_ups, FOLLOW_UP)):
            while batch := await entries.unplaced(BACKFILL_BATCH):
                await self._database.transaction(partial(self._place, entries, resource, batch))
                placed += len(batch)
        return placed

    async def _place(
        self,
        entries: InteractionRepository | FollowUpRepository,
        resource: str,
        batch: list[Interaction] | list[FollowUp],
        tx: Tx,
    ) -> None:
        for entry in batch:
            districts = await self._districts(entry.organisation_id, entry.person_id, tx)
            placed = entry.model_copy(update={"districts": districts})
            await entries.save(placed, tx.session)  # type: ignore[arg-type]
            tx.audit(resource, entry.id, "placed", ["districts"])

    async def _districts(
        self,
        organisation_id: str | None,
        person_id: str | None,
        tx: Tx,
        fallback: str | None = None,
    ) -> list[str]:
        """The districts of an entry about these (as this service knows them)."""
        ids = [organisation_id] if organisation_id else []
        found = await self._organisations.by_ids(ids, EVERYTHING, tx)
        person = await self._people.find(person_id, EVERYTHING, tx) if person_id else None
        return rules.entry_districts(found.get(organisation_id or ""), person, fallback)

    def _now(self) -> datetime:
        return as_stored(self._clock.now())
