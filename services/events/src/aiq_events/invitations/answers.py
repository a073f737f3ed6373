"""How invitees answered: the invitation list with each person's registration, and saying no
through the personal link (recorded once; reminders stop after it). Someone registered is not
declined here: they are asked to cancel the registration, so that the seat passes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiq_events.invitations import rules
from aiq_events.invitations.links import PersonalLinks
from aiq_events.invitations.repository import InvitationsRepository
from aiq_events.invitations.schemas import Invitation, InvitationView
from aiq_events.meetings.service import MeetingsService
from aiq_events.registrations.service import Rosters
from aiq_shared.clock import Clock
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams
from aiq_shared.scope import EVERYTHING, Scope


@dataclass(frozen=True)
class Answers:
    database: Database
    meetings: MeetingsService
    rosters: Rosters
    invitations: InvitationsRepository
    links: PersonalLinks
    clock: Clock

    async def list_invitations(
        self, meeting_id: str, page: PageParams, scope: Scope
    ) -> Page[InvitationView]:
        """The invitations of a meeting in the caller's scope, with their personal links (so
        only staff of the meeting's districts see them)."""
        await self.meetings.get_meeting(meeting_id, scope)
        listed = await self.invitations.listed(meeting_id, scope, page)
        latest = await self.rosters.latest_of_people(
            meeting_id, [i.person_id for i in listed.items], scope
        )
        views = []
        for invitation in listed.items:
            registration = latest.get(invitation.person_id)
            views.append(
                InvitationView(
                    **invitation.model_dump(),
                    response=rules.response_of(
                        invitation, registration.status if registration else None
                    ),
                    registration_id=registration.id if registration else None,
                    rsvp_url=self.links.rsvp_url(invitation),
                )
            )
        return Page(items=views, next_cursor=listed.next_cursor)

    async def decline(self, invitation: Invitation) -> bool:
        """Record the no and publish ``aiq.invitation.declined.v1``; False if said before."""

        async def work(tx: Tx) -> bool:
            meeting = await self.meetings.load(invitation.meeting_id, tx, EVERYTHING)
            registration = await self.rosters.active_of(meeting.id, invitation.person_id, tx)
            own = (
                registration
                if registration and registration.person_id == invitation.person_id
                else None
            )
            rules.check_declinable(meeting, own.id if own else None)
            now = self.clock.now()
            if not await self.invitations.mark_declined(invitation.id, now, tx.session):
                return False
            tx.emit(rules.declined(invitation, now))
            tx.audit("invitation", invitation.id, "declined", ["declined_at"])
            return True

        return await self.database.transaction(work)
