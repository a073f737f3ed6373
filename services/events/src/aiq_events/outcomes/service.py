"""After the meeting: record outcomes (one transaction, an event each), list them, the report."""

from __future__ import annotations

from dataclasses import dataclass

from aiq_events.directory.service import Directory
from aiq_events.invitations.service import InvitationsService
from aiq_events.meetings.service import MeetingsService
from aiq_events.outcomes import rules
from aiq_events.outcomes.repository import OutcomesRepository
from aiq_events.outcomes.schemas import MeetingReport, Outcome, OutcomesCreate
from aiq_events.registrations.service import Rosters
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, new_id
from aiq_shared.scope import EVERYTHING, Scope


@dataclass(frozen=True)
class OutcomesService:
    database: Database
    meetings: MeetingsService
    rosters: Rosters
    invitations: InvitationsService
    directory: Directory
    repository: OutcomesRepository
    clock: Clock

    async def record_outcomes(
        self, meeting_id: str, body: OutcomesCreate, scope: Scope
    ) -> list[Outcome]:
        async def work(tx: Tx) -> list[Outcome]:
            meeting = await self.meetings.load(meeting_id, tx, scope)
            everyone = await self.rosters.of_meeting(meeting.id, EVERYTHING, tx)
            now = self.clock.now()
            made = []
            for item in body.outcomes:
                outcome = rules.outcome(meeting, item, everyone, outcome_id=new_id(), now=now)
                made.append(outcome)
                tx.emit(rules.outcome_recorded(outcome, meeting))
                tx.audit("outcome", outcome.id, "recorded", changed_fields(None, outcome))
            await self.repository.add_many(made, tx.session)
            return made

        return await self.database.transaction(work)

    async def list_outcomes(self, meeting_id: str, page: PageParams, scope: Scope) -> Page[Outcome]:
        await self.meetings.get_meeting(meeting_id, scope)
        return await self.repository.listed(meeting_id, scope, page)

    async def report(self, meeting_id: str, scope: Scope) -> MeetingReport:
        meeting = await self.meetings.get_meeting(meeting_id, scope)
        registrations = await self.rosters.of_meeting(meeting_id, scope)
        organisations = {r.organisation_id for r in registrations if r.organisation_id}
        return rules.build(
            meeting,
            registrations,
            await self.invitations.invited_by_district(meeting_id, scope),
            await self.directory.organisation_names(organisations),
        )

    async def forget_person(self, person_id: str, tx: Tx) -> None:
        await self.repository.forget_notes_of(person_id, tx.session)
