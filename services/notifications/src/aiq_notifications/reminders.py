"""Scheduled reminders: to invitees who have not answered, some days before the registration
deadline; to registrants, the day before the meeting; both at a set hour, Europe/Berlin.
The reminder offers the invitee's link to decline; one who declined
(``aiq.invitation.declined.v1``) hears no more.

Nothing is kept in memory: a worker looks at the published meetings of the read model now
and then (``scheduler_poll_interval_s``), sends what is due and marks it done in the same
transaction, so a restart neither loses nor repeats a reminder (delivery keys are unique
as well). A cancelled meeting is no longer published: its reminders never fall due, and any
still pending are stopped when the cancellation arrives (service.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from pymongo.errors import PyMongoError

from aiq_notifications import domain, messages
from aiq_notifications.correspondence import Correspondence
from aiq_notifications.domain import ReminderKind
from aiq_notifications.read_models import (
    InvitationsReadModel,
    MeetingsReadModel,
    RecipientsRepository,
    RegistrationsReadModel,
)
from aiq_notifications.repository import DeliveriesRepository
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.contracts.invitations import InvitationDeclinedV1
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.mongo import Database, Tx

log = structlog.get_logger(__name__)


class Reminders:
    def __init__(
        self, database: Database, settings: NotificationsSettings, correspondence: Correspondence
    ) -> None:
        self._database = database
        self._settings = settings
        self._mail = correspondence
        self._meetings = MeetingsReadModel(database)
        self._invitations = InvitationsReadModel(database)
        self._registrations = RegistrationsReadModel(database)
        self._recipients = RecipientsRepository(database)
        self._deliveries = DeliveriesRepository(database)

    async def run(self) -> None:
        while True:
            try:
                await self.send_due(datetime.now(UTC))
            except asyncio.CancelledError:
                raise
            except (PyMongoError, OSError) as error:
                log.warning("reminders.failed", error=repr(error))
            await asyncio.sleep(self._settings.scheduler_poll_interval_s)

    async def send_due(self, now: datetime) -> int:
        """Send every reminder due at ``now``; returns how many emails were added."""
        added = 0
        for meeting in await self._meetings.upcoming_published(now):
            for kind in self._due(meeting, now):

                async def remind(tx: Tx, meeting_id=meeting["_id"], kind=kind) -> int:
                    return await self._remind(meeting_id, kind, now, tx)

                count = await self._database.transaction(remind)
                log.info("reminders.sent", meeting_id=meeting["_id"], kind=kind, emails=count)
                added += count
        return added

    async def invitation_declined(self, event: InvitationDeclinedV1, tx: Tx) -> None:
        """The invitee said no: no reminders for them, not even one already on its way."""
        await self._invitations.record(
            {
                "_id": event.invitation_id,
                "meeting_id": event.meeting_id,
                "person_id": event.person_id,
                "declined_at": event.declined_at,
            },
            tx.session,
        )
        await self._deliveries.stop(
            event.meeting_id, ["reminder"], "invitation declined", tx.session, event.person_id
        )

    def _due(self, meeting: dict, now: datetime) -> list[ReminderKind]:  # type: ignore[type-arg]
        return domain.due_reminders(
            meeting,
            now,
            self._settings.reminder_days_before_deadline,
            self._settings.reminder_hour,
        )

    async def _remind(self, meeting_id: str, kind: ReminderKind, now: datetime, tx: Tx) -> int:
        meeting = await self._meetings.get(meeting_id, tx.session)
        if meeting is None or kind not in self._due(meeting, now):  # cancelled or done since
            return 0
        summary = MeetingSummary.model_validate({**meeting, "meeting_id": meeting_id})
        registrations = await self._registrations.of_meeting(meeting_id, tx.session)
        invitations = {
            i["person_id"]: i for i in await self._invitations.of_meeting(meeting_id, tx.session)
        }
        if kind == "reminder":
            declined = [p for p, i in invitations.items() if i.get("declined_at")]
            people = domain.non_responders(
                invitations, [*(r["person_id"] for r in registrations), *declined]
            )
            codes: dict[str, str | None] = {}
        else:
            confirmed = [r for r in registrations if r.get("state") == "confirmed"]
            people = [r["person_id"] for r in confirmed]
            codes = {r["person_id"]: r.get("check_in_code") for r in confirmed}
        added = 0
        for person_id in people:
            recipient = await self._recipients.get(person_id, tx.session)
            if recipient is None or not recipient.email:
                continue
            if kind == "reminder" and not recipient.reachable:
                continue  # consent withdrawn since the invitation
            rendered = await self._mail.render(
                kind,
                messages.subject(kind, summary.title),
                recipient,
                tx,
                meeting=summary,
                registration_deadline=meeting.get("registration_deadline"),
                rsvp_url=invitations.get(person_id, {}).get("rsvp_url"),
                decline_url=invitations.get(person_id, {}).get("decline_url"),
                check_in_code=codes.get(person_id),
            )
            if await self._mail.add(kind, recipient, meeting_id, meeting_id, rendered, tx):
                added += 1
        await self._meetings.reminded(meeting_id, kind, tx.session)
        return added
