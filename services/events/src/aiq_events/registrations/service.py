"""Registrations use cases (register, a school group, change tables, the assignment step,
cancel, accept an offer, lapse offers), each one transaction over the meeting's
:class:`~aiq_events.registrations.rules.Roster`; and :class:`Rosters`, through which the other
subjects read and write registrations inside their own transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiq_events.directory import rules as directory_rules
from aiq_events.directory.rules import Participant
from aiq_events.directory.service import Directory
from aiq_events.invitations.service import InvitationsService
from aiq_events.meetings.rules import check_open, check_tables
from aiq_events.meetings.service import MeetingsService
from aiq_events.registrations import rules, seating
from aiq_events.registrations.announcements import audited
from aiq_events.registrations.repository import RegistrationsRepository
from aiq_events.registrations.rules import Roster
from aiq_events.registrations.schemas import (
    GroupRegistrationCreate,
    Registration,
    RegistrationCreate,
    RegistrationListing,
    RegistrationView,
    TableAssignment,
    TableChoice,
)
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.errors import NotFound
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, new_id
from aiq_shared.scope import EVERYTHING, Scope


@dataclass(frozen=True)
class Rosters:
    """A meeting's roster in a transaction, and the registrations other subjects read and
    write in theirs (the day's check-in, the answers to invitations, an erasure)."""

    meetings: MeetingsService
    invitations: InvitationsService
    repository: RegistrationsRepository
    clock: Clock

    async def load(self, meeting_id: str, tx: Tx, scope: Scope) -> Roster:
        """The roster of a meeting in the caller's scope (404 outside it): every registration
        of the meeting, since every seat counts."""
        meeting = await self.meetings.load(meeting_id, tx, scope)
        everyone = await self.repository.of_meeting(meeting_id, EVERYTHING, tx.session)
        return Roster(meeting, everyone, self.clock.now())

    async def for_admitting(
        self, meeting_id: str, person_ids: Sequence[str], tx: Tx, scope: Scope
    ) -> Roster:
        """The roster as admitting newcomers needs it, in the caller's scope (404 outside it):
        the registrations of ``person_ids`` and the school groups (who is registered
        already), the waitlist (where a newcomer stands in it) and, when the meeting has
        topic tables, every confirmed registration (who holds which table seat). Admitting
        changes none of them, so the rest is not read: every registration of the meeting,
        read for each new one, made registering slower as a meeting filled."""
        meeting = await self.meetings.load(meeting_id, tx, scope)
        relevant = await self.repository.relevant_to_admitting(
            meeting_id, person_ids, bool(meeting.topic_tables), tx.session
        )
        return Roster(meeting, relevant, self.clock.now())

    async def store(self, roster: Roster, tx: Tx) -> None:
        """What the roster's rules changed, always with the meeting (its seat count is what
        concurrent changes collide on), and their events, each with the person's RSVP link if
        they were invited (the email about it can then offer to change, cancel or accept).
        Each registration added or changed is in the audit trail."""
        visible = {"meeting_districts": roster.meeting.districts}
        added = [r.model_copy(update=visible) for r in roster.added]
        changed = [r.model_copy(update=visible) for r in roster.changed]
        await self.repository.add_many(added, tx.session)
        for registration in changed:
            await self.repository.save(registration, tx.session)
        for registration in (*added, *changed):
            before = roster.loaded.get(registration.id)
            action, fields = audited(before, registration, roster.events)
            tx.audit("registration", registration.id, action, fields)
        await self.meetings.save(roster.meeting, tx)
        links: dict[str, str | None] = {}
        for event in roster.events:
            if event.person_id not in links:
                links[event.person_id] = await self.invitations.link_of(
                    roster.meeting.id, event.person_id, tx
                )
            tx.emit(event.model_copy(update={"rsvp_url": links[event.person_id]}))

    async def of_meeting(
        self, meeting_id: str, scope: Scope, tx: Tx | None = None
    ) -> list[Registration]:
        return await self.repository.of_meeting(meeting_id, scope, tx.session if tx else None)

    async def in_meeting(
        self, meeting_id: str, registration_id: str, tx: Tx, scope: Scope
    ) -> Registration:
        registration = await self.repository.in_meeting(
            meeting_id, registration_id, scope, tx.session
        )
        if registration is None:
            raise NotFound(f"no registration {registration_id} for event {meeting_id}")
        return registration

    async def by_check_in_code(
        self, meeting_id: str, code: str, tx: Tx, scope: Scope
    ) -> Registration | None:
        return await self.repository.by_check_in_code(meeting_id, code, scope, tx.session)

    async def save(
        self, registration: Registration, tx: Tx, action: str, before: Registration | None
    ) -> None:
        """A registration changed by a rule that moves no seat (checked in, a table visit,
        a no-show), with its entry in the audit trail."""
        await self.repository.save(registration, tx.session)
        tx.audit("registration", registration.id, action, changed_fields(before, registration))

    async def active_of(self, meeting_id: str, person_id: str, tx: Tx) -> Registration | None:
        """The person's active registration, or the school group that names them (for their
        personal link: every district)."""
        return rules.active_of(await self.of_meeting(meeting_id, EVERYTHING, tx), person_id)

    async def latest_of_people(
        self, meeting_id: str, person_ids: Sequence[str], scope: Scope
    ) -> dict[str, Registration]:
        return rules.latest_by_person(
            await self.repository.of_people(meeting_id, person_ids, scope)
        )

    async def forget_person(self, person_id: str, tx: Tx) -> None:
        await self.repository.forget_person(person_id, directory_rules.ERASED, tx.session)

    async def move_organisation(self, merged: str, surviving: str, tx: Tx) -> None:
        await self.repository.move_organisation(merged, surviving, tx.session)


@dataclass(frozen=True)
class RegistrationsService:
    database: Database
    meetings: MeetingsService
    directory: Directory
    rosters: Rosters
    repository: RegistrationsRepository
    clock: Clock

    async def register(
        self,
        meeting_id: str,
        choice: RegistrationCreate,
        scope: Scope,
        idempotency_key: str | None = None,
        *,
        invitation_id: str | None = None,
    ) -> Registration:
        """Staff register a person they may see (``scope``); a personal link its invitee."""

        async def admit(roster: Roster, tx: Tx) -> Registration:
            rules.check_registration(roster.meeting, choice, roster.now)
            person = await self.directory.known_person(choice.person_id, tx, scope)
            roster.check_not_registered(person)
            return roster.admit(
                person, choice.topic_table_ids, registration_id=new_id(),
                invitation_id=invitation_id,
            )  # fmt: skip

        once_as = f"registrations:{meeting_id}"
        people = [choice.person_id]
        return await self._admitting(meeting_id, people, scope, once_as, idempotency_key, admit)

    async def register_group(
        self,
        meeting_id: str,
        group: GroupRegistrationCreate,
        scope: Scope,
        idempotency_key: str | None = None,
        *,
        invitation_id: str | None = None,
    ) -> Registration:
        """One registration for a school group: the teacher's, holding every student's seat
        (by staff, or by the teacher through their personal link: ``invitation_id``)."""

        async def admit(roster: Roster, tx: Tx) -> Registration:
            check_open(roster.meeting, roster.now)
            check_tables(roster.meeting, group.topic_table_ids)
            teacher = await self.directory.known_person(group.teacher_person_id, tx, scope)
            rules.check_group(group)
            students = [
                await self.directory.known_person(p, tx, scope) for p in group.student_person_ids
            ]
            for person in (teacher, *students):
                roster.check_not_registered(person)
            return roster.admit(
                teacher, group.topic_table_ids, registration_id=new_id(), seats=group.seats,
                kind="teacher", invitation_id=invitation_id,
                group_students=rules.group_members(students),
            )  # fmt: skip

        once_as = f"groups:{meeting_id}"
        people = [group.teacher_person_id, *group.student_person_ids]
        return await self._admitting(meeting_id, people, scope, once_as, idempotency_key, admit)

    async def _admitting(
        self,
        meeting_id: str,
        person_ids: Sequence[str],
        scope: Scope,
        once_as: str,
        idempotency_key: str | None,
        admit: Callable[[Roster, Tx], Awaitable[Registration]],
    ) -> Registration:
        """One transaction (once per Idempotency-Key): the roster as admitting ``person_ids``
        needs it, ``admit``, stored."""

        async def work(tx: Tx) -> Registration:
            roster = await self.rosters.for_admitting(meeting_id, person_ids, tx, scope)
            registration = await admit(roster, tx)
            await self.rosters.store(roster, tx)
            return registration

        async with self.meetings.one_at_a_time(meeting_id):
            return await once(self.database, idempotency_key, once_as, work, Registration)

    async def change_tables(
        self, meeting_id: str, registration_id: str, choice: TableChoice, scope: Scope
    ) -> Registration:
        return await self._on_roster(
            meeting_id,
            scope,
            lambda roster: roster.change_tables(registration_id, choice.topic_table_ids),
        )

    async def assign_tables(self, meeting_id: str, scope: Scope) -> TableAssignment:
        return await self._on_roster(meeting_id, scope, lambda roster: roster.assign_tables())

    async def cancel(
        self, meeting_id: str, registration_id: str, scope: Scope, *, by: str = "staff"
    ) -> Registration:
        """Cancel a registration; ``by`` says who: "staff" (the API) or "person" (the link)."""
        return await self._on_roster(
            meeting_id, scope, lambda roster: roster.cancel(registration_id, by)
        )

    async def accept_offer(
        self, meeting_id: str, registration_id: str, scope: Scope
    ) -> Registration:
        return await self._on_roster(
            meeting_id, scope, lambda roster: roster.accept_offer(registration_id)
        )

    async def expire_offers(self) -> int:
        """Offers not accepted in time lapse (cancelled) and pass to the next in line."""
        lapsed = 0
        for registration in await self.repository.offers_due(self.clock.now()):
            lapsed += await self._on_roster(
                registration.meeting_id,
                EVERYTHING,
                lambda roster, r=registration: roster.lapse(r.id),
            )
        return lapsed

    async def _on_roster[T](
        self, meeting_id: str, scope: Scope, change: Callable[[Roster], T]
    ) -> T:
        """One transaction: the meeting's roster, ``change`` applied, the result stored."""

        async def work(tx: Tx) -> T:
            roster = await self.rosters.load(meeting_id, tx, scope)
            result = change(roster)
            await self.rosters.store(roster, tx)
            return result

        async with self.meetings.one_at_a_time(meeting_id):
            return await self.database.transaction(work)

    # reading ------------------------------------------------------------------------------
    async def get_registration(
        self, meeting_id: str, registration_id: str, scope: Scope
    ) -> RegistrationView:
        registration = await self.repository.in_meeting(meeting_id, registration_id, scope)
        if registration is None:
            raise NotFound(f"no registration {registration_id} for event {meeting_id}")
        [view] = await self._views([registration])
        return view

    async def list_registrations(
        self, meeting_id: str, page: PageParams, scope: Scope, listing: RegistrationListing
    ) -> Page[RegistrationView]:
        await self.meetings.get_meeting(meeting_id, scope)
        listed = await self.repository.listed(meeting_id, scope, page, listing)
        return Page(items=await self._views(listed.items), next_cursor=listed.next_cursor)

    async def _views(self, registrations: Sequence[Registration]) -> list[RegistrationView]:
        """Registrations with their organisation's name (from the read model)."""
        ids = {r.organisation_id for r in registrations if r.organisation_id}
        names = await self.directory.organisation_names(ids)
        return [
            RegistrationView(**r.model_dump(), organisation_name=names.get(r.organisation_id or ""))
            for r in registrations
        ]

    async def registration_of(self, meeting_id: str, person_id: str) -> Registration | None:
        """The person's registration: the active one, else their latest."""
        found = await self.repository.of_people(meeting_id, [person_id], EVERYTHING)
        return rules.current_of(found)

    async def table_occupancy(self, meeting_id: str) -> dict[str, int]:
        """Seats taken per topic table in the first round (what the RSVP page shows)."""
        everyone = await self.repository.of_meeting(meeting_id, EVERYTHING)
        return seating.taken_in_first_round(everyone)

    async def students_for(self, teacher: Participant, meeting_id: str) -> list[Participant]:
        """Students of the teacher's school the teacher may name: not registered yet."""
        everyone = await self.repository.of_meeting(meeting_id, EVERYTHING)
        people = await self.directory.people(EVERYTHING)
        return directory_rules.students_of(teacher, people, rules.registered_people(everyone))
