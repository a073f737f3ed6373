"""The day's use cases: check-in at the door, walk-ins, table attendance, closing the meeting;
the check-in desk's reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiq_events.day import rules
from aiq_events.day.schemas import CheckIn, TableVisitCreate, WalkInCreate
from aiq_events.directory.service import Directory
from aiq_events.meetings.rules import check_districts, check_open, check_tables, meeting_event
from aiq_events.meetings.schemas import Meeting
from aiq_events.meetings.service import MeetingsService
from aiq_events.registrations import rules as registration_rules
from aiq_events.registrations.announcements import registration_event
from aiq_events.registrations.schemas import Registration
from aiq_events.registrations.service import Rosters
from aiq_shared.clock import Clock
from aiq_shared.contracts.meetings import MeetingClosedV1
from aiq_shared.contracts.registrations import RegistrationCheckedInV1, RegistrationNoShowV1
from aiq_shared.errors import NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import EVERYTHING, Scope


@dataclass(frozen=True)
class DayService:
    database: Database
    meetings: MeetingsService
    rosters: Rosters
    directory: Directory
    districts: Sequence[str]
    clock: Clock

    async def check_in(self, meeting_id: str, code: str, scope: Scope) -> CheckIn:
        async def work(tx: Tx) -> CheckIn:
            meeting = await self.meetings.load(meeting_id, tx, scope)
            before = await self.rosters.by_check_in_code(meeting_id, code, tx, scope)
            if before is None:
                raise NotFound(
                    "no registration with this check-in code for this event", reason="unknown_code"
                )
            registration, arrived = rules.check_in(before, self.clock.now())
            if arrived:
                await self.rosters.save(registration, tx, "checked_in", before)
                tx.emit(registration_event(RegistrationCheckedInV1, meeting, registration))
            return CheckIn(registration=registration, already_checked_in=not arrived)

        return await self.database.transaction(work)

    async def walk_in(self, meeting_id: str, body: WalkInCreate, scope: Scope) -> CheckIn:
        """Register and check in on the spot, past the deadline and beyond capacity; someone
        registered already (perhaps still waiting) is seated and checked in."""

        async def work(tx: Tx) -> CheckIn:
            roster = await self.rosters.load(meeting_id, tx, scope)
            check_open(roster.meeting, roster.now, walk_in=True)
            check_tables(roster.meeting, body.topic_table_ids)
            registration: Registration | None = None
            if body.person_id:
                person = await self.directory.known_person(body.person_id, tx, scope)
                existing = registration_rules.active_of(roster.registrations, person.id)
                if existing is not None:
                    registration = roster.seat_at_door(existing.id)
            else:
                check_districts([body.district or ""], self.districts)
                person = rules.walk_in_person(body, new_id())
            if registration is None:
                registration = roster.walk_in(
                    person, body.topic_table_ids, registration_id=new_id(),
                    kind=None if body.person_id else body.kind,
                )  # fmt: skip
            registration, arrived = rules.check_in(registration, roster.now)
            roster.replace(registration)
            await self.rosters.store(roster, tx)
            if arrived:
                event = registration_event(RegistrationCheckedInV1, roster.meeting, registration)
                tx.emit(event)
            return CheckIn(registration=registration, already_checked_in=not arrived)

        async with self.meetings.one_at_a_time(meeting_id):
            return await self.database.transaction(work)

    async def record_visit(
        self, meeting_id: str, visit: TableVisitCreate, scope: Scope
    ) -> Registration:
        """Attendance per topic table and round (the table host ticks people off)."""

        async def work(tx: Tx) -> Registration:
            meeting = await self.meetings.load(meeting_id, tx, scope)
            rules.check_visit(meeting, visit)
            if visit.code:
                found = await self.rosters.by_check_in_code(meeting_id, visit.code, tx, scope)
                if found is None:
                    raise NotFound("no registration with this check-in code for this event")
                registration = found
            else:
                registration = await self.rosters.in_meeting(
                    meeting_id, visit.registration_id or "", tx, scope
                )
            updated = rules.visited(registration, visit, self.clock.now())
            if updated is None:
                return registration
            await self.rosters.save(updated, tx, "table_visited", registration)
            return updated

        return await self.database.transaction(work)

    async def close_meeting(self, meeting_id: str, scope: Scope) -> Meeting:
        """After the day: confirmed but never checked in -> no-show, each announced."""

        async def work(tx: Tx) -> Meeting:
            meeting = await self.meetings.load(meeting_id, tx, scope)
            everyone = {r.id: r for r in await self.rosters.of_meeting(meeting_id, EVERYTHING, tx)}
            meeting, no_shows = rules.close(meeting, list(everyone.values()), self.clock.now())
            await self.meetings.save(meeting, tx)
            tx.audit("meeting", meeting.id, "closed", ["closed_at", "status"])
            for registration in no_shows:
                await self.rosters.save(registration, tx, "no_show", everyone[registration.id])
                tx.emit(registration_event(RegistrationNoShowV1, meeting, registration))
            tx.emit(meeting_event(MeetingClosedV1, meeting, no_shows=len(no_shows)))
            return meeting

        async with self.meetings.one_at_a_time(meeting_id):
            return await self.database.transaction(work)

    # the check-in desk --------------------------------------------------------------------
    async def arrivals(self, meeting_id: str, scope: Scope) -> tuple[int, int]:
        """(checked in, confirmed) registrations."""
        return rules.arrivals(await self.rosters.of_meeting(meeting_id, scope))

    async def search(self, meeting_id: str, name: str, scope: Scope) -> list[Registration]:
        return rules.search(await self.rosters.of_meeting(meeting_id, scope), name)
