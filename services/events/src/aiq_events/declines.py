"""Saying no through the personal link: the invitation is declined once, and reminders stop.

Someone registered is not declined here: they are asked to cancel their registration instead
(one button on the same page), so that their seat passes on as with every cancellation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiq_events.invitations import Invitation
from aiq_events.repository import MeetingsRepository
from aiq_shared.contracts.invitations import InvitationDeclinedV1
from aiq_shared.errors import Conflict, NotFound
from aiq_shared.mongo import Database, Tx


class Declines:
    def __init__(self, database: Database, repository: MeetingsRepository) -> None:
        self._database = database
        self._repository = repository

    async def decline(self, invitation: Invitation) -> bool:
        """Record the no and publish ``aiq.invitation.declined.v1``; False if said before."""

        async def work(tx: Tx) -> bool:
            meeting = await self._repository.get_meeting(invitation.meeting_id, tx.session)
            if meeting is None:
                raise NotFound(f"no event {invitation.meeting_id}")
            if meeting.status in ("cancelled", "closed"):
                raise Conflict(f"the meeting is {meeting.status}", reason=meeting.status)
            registration = await self._repository.active_registration_of(
                meeting.id, invitation.person_id, tx.session
            )
            if registration is not None and registration.person_id == invitation.person_id:
                raise Conflict(
                    "registered: cancel the registration instead",
                    reason="registered_decline",
                    registration_id=registration.id,
                )
            now = datetime.now(UTC)
            if not await self._repository.mark_declined(invitation.id, now, tx.session):
                return False
            tx.publish(
                InvitationDeclinedV1(
                    invitation_id=invitation.id,
                    meeting_id=meeting.id,
                    person_id=invitation.person_id,
                    declined_at=now,
                )
            )
            return True

        return await self._database.transaction(work)
