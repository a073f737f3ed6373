"""The contact history's use cases: staff record notes, calls and visits with an organisation
or a person, and open and complete follow-ups (each one transaction with its event); the
events service's meetings come in as history: every step of each registration
(aiq.registrations), outcomes and their follow-ups (aiq.events); and where a person or an
organisation stands with each meeting."""

from __future__ import annotations

from datetime import datetime

from aiq_contacts.fields import as_stored
from aiq_contacts.history import rules
from aiq_contacts.history.repository import FollowUpRepository, InteractionRepository
from aiq_contacts.history.schemas import (
    Attendance,
    FollowUp,
    FollowUpWrite,
    Interaction,
    InteractionWrite,
    MeetingAttendance,
)
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people.service import PersonService
from aiq_contacts.search.schemas import CountedPage, FollowUpQuery, HistoryQuery
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import FollowUpDoneV1, FollowUpOpenedV1
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import RegistrationSnapshot
from aiq_shared.errors import NotFound, Unprocessable
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id


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
        organisation_id: str | None = None,
        person_id: str | None = None,
    ) -> Interaction:
        """One recorded on a person also shows in their organisation's history."""

        async def work(tx: Tx) -> Interaction:
            org_id, about = organisation_id, person_id or data.person_id
            if org_id is not None:
                await self._organisations.get(org_id, tx)
            if about is not None:
                person = await self._people.find(about, tx)
                if person is None:
                    raise (NotFound if person_id else Unprocessable)(f"no person {about}")
                org_id = org_id or person.organisation_id
            interaction = Interaction(
                id=new_id(),
                kind=data.kind,
                organisation_id=org_id,
                person_id=about,
                text=data.text,
                occurred_at=data.occurred_at or self._now(),
                author=data.author,
            )
            await self._interactions.add(interaction, tx.session)
            tx.emit(rules.interaction_recorded(interaction))
            return interaction

        return await self._database.transaction(work)

    async def interactions(
        self,
        query: HistoryQuery,
        organisation_id: str | None = None,
        person_id: str | None = None,
    ) -> CountedPage[Interaction]:
        """The history of an organisation, or else of a person (404 if there is none)."""
        if organisation_id is not None:
            await self._organisations.get(organisation_id)
            return await self._interactions.listed(
                query.page, query.order, organisation_id=organisation_id
            )
        await self._people.get(person_id)  # type: ignore[arg-type]
        return await self._interactions.listed(query.page, query.order, person_id=person_id)

    async def create_follow_up(self, data: FollowUpWrite) -> FollowUp:
        rules.require_subject(data.organisation_id, data.person_id)

        async def work(tx: Tx) -> FollowUp:
            await self._organisations.named(data.organisation_id, tx)
            if data.person_id is not None and await self._people.find(data.person_id, tx) is None:
                raise Unprocessable(f"no person {data.person_id}")
            follow_up = FollowUp(id=new_id(), created_at=self._now(), **data.model_dump())
            await self._follow_ups.add(follow_up, tx.session)
            tx.emit(rules.follow_up_event(FollowUpOpenedV1, follow_up))
            return follow_up

        return await self._database.transaction(work)

    async def complete_follow_up(self, follow_up_id: str) -> FollowUp:
        async def work(tx: Tx) -> FollowUp:
            follow_up = await self._follow_ups.get(follow_up_id, tx.session)
            if follow_up is None:
                raise NotFound(f"no follow-up {follow_up_id}")
            if follow_up.status == "done":
                return follow_up  # done already: nothing changes, nothing to announce
            done = rules.mark_done(follow_up, self._now())
            await self._follow_ups.save(done, tx.session)
            tx.emit(rules.follow_up_event(FollowUpDoneV1, done))
            return done

        return await self._database.transaction(work)

    async def follow_ups(self, query: FollowUpQuery) -> CountedPage[FollowUp]:
        return await self._follow_ups.listed(
            query.page,
            query.order,
            owner=query.owner,
            status=query.status,
            organisation_id=query.organisation_id,
            person_id=query.person_id,
        )

    # -- meetings, from the events service ----------------------------------------------

    async def registration_changed(
        self, attendance: Attendance, event: RegistrationSnapshot, at: datetime, tx: Tx
    ) -> None:
        """One history entry per registration: its current state and every step to it."""
        if await self._people.is_erased(event.person_id, tx):
            return
        existing = await self._interactions.attendance_entry(event.registration_id, tx.session)
        entry = rules.attendance_entry(existing, attendance, event, at, new_id())
        await self._interactions.save(entry, tx.session)

    async def meeting_outcome_recorded(self, event: MeetingOutcomeRecordedV1, tx: Tx) -> None:
        """After a meeting: a note for the history and follow-ups for the officers."""
        person_id = event.person_id
        if person_id and await self._people.is_erased(person_id, tx):
            person_id = None
        if event.organisation_id is None and person_id is None:
            return
        await self._interactions.add(rules.outcome_entry(event, person_id, new_id()), tx.session)
        follow_ups = rules.outcome_follow_ups(
            event, person_id, [new_id() for _ in event.follow_ups], self._now()
        )
        await self._follow_ups.add_many(follow_ups, tx.session)

    async def organisation_meetings(self, organisation_id: str) -> list[MeetingAttendance]:
        await self._organisations.get(organisation_id)
        entries = await self._interactions.attendance_entries(organisation_id=organisation_id)
        return rules.by_meeting(entries)

    async def person_meetings(self, person_id: str) -> list[MeetingAttendance]:
        await self._people.get(person_id)
        return rules.by_meeting(await self._interactions.attendance_entries(person_id=person_id))

    # -- for the other subjects ------------------------------------------------------------

    async def move_organisation(self, merged_id: str, surviving_id: str, tx: Tx) -> None:
        """A merged organisation's interactions and follow-ups are the surviving one's."""
        await self._interactions.move_organisation(merged_id, surviving_id, tx.session)
        await self._follow_ups.move_organisation(merged_id, surviving_id, tx.session)

    async def about_person(self, person_id: str) -> tuple[list[Interaction], list[FollowUp]]:
        """Every interaction and follow-up about the person (Art. 15)."""
        return (
            await self._interactions.about_person(person_id),
            await self._follow_ups.about_person(person_id),
        )

    async def forget_person(self, person_id: str, tx: Tx) -> None:
        """Erasure: interactions about the person go, and follow-ups only about them; one
        about their organisation stays, without them."""
        await self._interactions.forget_person(person_id, tx.session)
        await self._follow_ups.forget_person(person_id, tx.session)

    def _now(self) -> datetime:
        return as_stored(self._clock.now())
