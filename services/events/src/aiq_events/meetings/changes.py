"""Changing a meeting (``PATCH /events/{id}``): one transaction over the meeting's roster, since
a change may move people up (a larger capacity, a larger table) and must never take a seat or a
chosen table from anyone (``meetings.rules.change`` refuses that). A change of the districts
moves everything of the meeting with it (``meeting_districts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiq_events.meetings import rules
from aiq_events.meetings.repository import PartOfMeeting
from aiq_events.meetings.rules import meeting_event
from aiq_events.meetings.schemas import Meeting, MeetingChange
from aiq_events.meetings.service import MeetingsService
from aiq_events.registrations.service import Rosters
from aiq_shared.contracts.meetings import MeetingChangedV1
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import Scope


@dataclass(frozen=True)
class MeetingChanges:
    database: Database
    meetings: MeetingsService
    rosters: Rosters
    parts: Sequence[PartOfMeeting]  # registrations, invitations, outcomes

    async def change_meeting(self, meeting_id: str, update: MeetingChange, scope: Scope) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            roster = await self.rosters.load(meeting_id, tx, scope)
            before = roster.meeting
            meeting, changed = rules.change(before, update, roster.registrations, new_id)
            if not changed:
                return before
            if "districts" in changed:
                rules.check_districts(meeting.districts, self.meetings.districts)
                rules.check_may_assign(scope, set(before.districts) ^ set(meeting.districts))
            roster.reshape(meeting)
            await self.rosters.store(roster, tx)
            if "districts" in changed:
                for part in self.parts:
                    await part.follow_meeting(meeting.id, meeting.districts, tx.session)
            tx.audit("meeting", meeting.id, "changed", sorted(changed))
            # every change: the other services' copies (districts, capacity, ...) follow
            tx.emit(meeting_event(MeetingChangedV1, roster.meeting, changed=changed))
            return roster.meeting

        async with self.meetings.one_at_a_time(meeting_id):
            return await self.database.transaction(work)
