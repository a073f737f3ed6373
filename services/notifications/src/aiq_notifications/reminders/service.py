"""Scheduled reminders: to invitees who have not answered, some days before the registration
deadline; to registrants, the day before the meeting; both at a set hour, Europe/Berlin.
The reminder offers the invitee's link to decline; one who declined
(``aiq.invitation.declined.v1``) hears no more.

Nothing is kept in memory: the scheduler (workers.py) asks which reminders are due, and each
is sent and marked done in one transaction, so a restart neither loses nor repeats a
reminder (delivery keys are unique as well). A cancelled meeting is no longer published: its
reminders never fall due, and any still pending are stopped when the cancellation arrives
(meetings/service.py).
"""

from __future__ import annotations

from datetime import datetime

import structlog

from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.rules import subject
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.directory.service import Invitations, KnownMeetings, People
from aiq_notifications.registrations.service import Registrations
from aiq_notifications.reminders import rules
from aiq_notifications.reminders.rules import ReminderKind
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.contracts.invitations import InvitationDeclinedV1
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.mongo import Database, Tx

log = structlog.get_logger(__name__)


class Reminders:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        people: People,
        meetings: KnownMeetings,
        invitations: Invitations,
        registrations: Registrations,
        deliveries: Deliveries,
        correspondence: Correspondence,
    ) -> None:
        self._database = database
        self._days_before = settings.reminder_days_before_deadline
        self._hour = settings.reminder_hour
        self._people = people
        self._meetings = meetings
        self._invitations = invitations
        self._registrations = registrations
        self._deliveries = deliveries
        self._mail = correspondence

    async def due(self, now: datetime) -> list[tuple[str, ReminderKind]]:
        """The reminders due at ``now``: (meeting id, kind)."""
        return [
            (meeting["_id"], kind)
            for meeting in await self._meetings.upcoming_published(now)
            for kind in rules.due_reminders(meeting, now, self._days_before, self._hour)
        ]

    async def remind(self, meeting_id: str, kind: ReminderKind, now: datetime) -> int:
        """Send one meeting's reminder of ``kind`` and mark it done; how many emails it added."""
        added = await self._database.transaction(lambda tx: self._remind(meeting_id, kind, now, tx))
        log.info("reminders.sent", meeting_id=meeting_id, kind=kind, emails=added)
        return added

    async def invitation_declined(self, event: InvitationDeclinedV1, tx: Tx) -> None:
        """The invitee said no: no reminders for them, not even one already on its way."""
        await self._invitations.declined(event, tx)
        await self._deliveries.stop(
            event.meeting_id, ["reminder"], "invitation declined", tx, event.person_id
        )

    async def _remind(self, meeting_id: str, kind: ReminderKind, now: datetime, tx: Tx) -> int:
        meeting = await self._meetings.get(meeting_id, tx)
        if meeting is None or kind not in rules.due_reminders(
            meeting, now, self._days_before, self._hour
        ):
            return 0  # cancelled or done since
        summary = MeetingSummary.model_validate({**meeting, "meeting_id": meeting_id})
        registrations = await self._registrations.of_meeting(meeting_id, tx)
        invitations = {i.person_id: i for i in await self._invitations.of_meeting(meeting_id, tx)}
        added = 0
        for person_id, code in rules.audience(kind, registrations, invitations).items():
            recipient = await self._people.recipient(person_id, tx)
            if recipient is None or not recipient.email:
                continue
            if kind == "reminder" and not recipient.reachable:
                continue  # consent withdrawn since the invitation
            invitation = invitations.get(person_id)
            rendered = await self._mail.render(
                kind,
                subject(kind, summary.title),
                recipient,
                tx,
                meeting=summary,
                registration_deadline=meeting.get("registration_deadline"),
                rsvp_url=invitation.rsvp_url if invitation else None,
                decline_url=invitation.decline_url if invitation else None,
                check_in_code=code,
            )
            if await self._mail.add(kind, recipient, meeting_id, meeting_id, rendered, tx):
                added += 1
        await self._meetings.reminded(meeting_id, kind, tx)
        tx.audit("reminder", f"{meeting_id}:{kind}", "sent", ["reminders_done"])
        return added
