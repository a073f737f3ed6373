"""Meetings in the contact history: every step of each registration from aiq.registrations,
outcomes and their follow-ups from aiq.events, and where a person or organisation stands with
each meeting. The use cases; the rules are in ``history``."""

from __future__ import annotations

from datetime import datetime

from aiq_contacts import history
from aiq_contacts.history import AttendanceStep, FollowUp, Interaction, MeetingAttendance
from aiq_contacts.repository import ContactsRepository
from aiq_contacts.service import now
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import RegistrationSnapshot
from aiq_shared.errors import NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id


class MeetingHistory:
    def __init__(self, database: Database) -> None:
        self._repository = ContactsRepository(database)

    async def registration_changed(
        self, attendance: history.Attendance, event: RegistrationSnapshot, at: datetime, tx: Tx
    ) -> None:
        """One history entry per registration: its current state and every step to it."""
        if await self._repository.is_erased(event.person_id, tx.session):
            return
        existing = await self._repository.attendance_entry(event.registration_id, tx.session)
        step = AttendanceStep(attendance=attendance, at=at, reason=getattr(event, "reason", None))
        entry = Interaction(
            id=existing.id if existing else new_id(),
            kind="meeting_attendance",
            organisation_id=event.organisation_id,
            person_id=event.person_id,
            occurred_at=event.meeting.starts_at,
            meeting_id=event.meeting.meeting_id,
            meeting_title=event.meeting.title,
            attendance=history.attendance_after(
                existing.attendance if existing else None, attendance
            ),
            steps=[*(existing.steps if existing else []), step],
            source_id=event.registration_id,
        )
        await self._repository.interactions.replace(entry, tx.session, upsert=True)

    async def meeting_outcome_recorded(self, event: MeetingOutcomeRecordedV1, tx: Tx) -> None:
        """After a meeting: a note for the history and follow-ups for the officers."""
        person_id = event.person_id
        if person_id and await self._repository.is_erased(person_id, tx.session):
            person_id = None
        if event.organisation_id is None and person_id is None:
            return
        await self._repository.interactions.add(
            Interaction(
                id=new_id(),
                kind="meeting_outcome",
                organisation_id=event.organisation_id,
                person_id=person_id,
                text=event.note,
                occurred_at=event.recorded_at,
                author=event.recorded_by,
                meeting_id=event.meeting_id,
                meeting_title=event.meeting_title,
                attendance=None
                if event.attended is None
                else ("checked_in" if event.attended else "no_show"),
                source_id=event.outcome_id,
            ),
            tx.session,
        )
        for item in event.follow_ups:
            await self._repository.follow_ups.add(
                FollowUp(
                    id=new_id(),
                    kind=item.kind,
                    title=item.title,
                    due=item.due,
                    owner=item.owner or event.recorded_by,
                    organisation_id=event.organisation_id,
                    person_id=person_id,
                    created_at=now(),
                    meeting_id=event.meeting_id,
                ),
                tx.session,
            )

    async def organisation_meetings(self, organisation_id: str) -> list[MeetingAttendance]:
        if await self._repository.get_organisation(organisation_id) is None:
            raise NotFound(f"no organisation {organisation_id}")
        return history.by_meeting(
            await self._repository.attendance_entries(organisation_id=organisation_id)
        )

    async def person_meetings(self, person_id: str) -> list[MeetingAttendance]:
        if await self._repository.get_person(person_id) is None:
            raise NotFound(f"no person {person_id}")
        return history.by_meeting(await self._repository.attendance_entries(person_id=person_id))
