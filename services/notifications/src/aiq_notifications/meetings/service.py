"""What a meeting's publication, change or cancellation (aiq.events) sets off here: the
meeting remembered and described on its districts' dashboards, its emails and campaigns
visible in its districts (as they are now); everyone registered told of a
change (confirmed registrants get a calendar update, same UID) or of the cancellation (their
entry withdrawn), and what was still to be sent about a cancelled meeting stopped."""

from __future__ import annotations

from aiq_notifications.campaigns.service import Campaigns
from aiq_notifications.dashboards.service import Dashboards
from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.rules import DeliveryKind, subject
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.directory.service import KnownMeetings, People
from aiq_notifications.meetings import rules
from aiq_notifications.registrations.service import Registrations
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingChangedV1,
    MeetingPublishedV1,
    MeetingSnapshot,
    MeetingSummary,
)
from aiq_shared.mongo import Tx


class Meetings:
    def __init__(
        self,
        people: People,
        meetings: KnownMeetings,
        registrations: Registrations,
        dashboards: Dashboards,
        deliveries: Deliveries,
        campaigns: Campaigns,
        correspondence: Correspondence,
    ) -> None:
        self._people = people
        self._meetings = meetings
        self._registrations = registrations
        self._dashboards = dashboards
        self._deliveries = deliveries
        self._campaigns = campaigns
        self._mail = correspondence

    async def published(self, meeting: MeetingPublishedV1, tx: Tx) -> None:
        """Known, with its dashboards; whom to invite the events service decides (campaigns)."""
        await self._describe(meeting, tx)

    async def changed(self, meeting: MeetingChangedV1, tx: Tx) -> int:
        """Tell everyone registered of news (time, place, wording, programme); confirmed
        registrants get a calendar update (same UID). Other changes only update the copy."""
        await self._describe(meeting, tx)
        if not meeting.news_for_registrants():
            return 0
        return await self._tell_registrants(
            meeting,
            "change",
            f"{meeting.meeting_id}:{meeting.sequence}",
            "REQUEST",
            tx,
            changed=rules.changed_text(meeting.news_for_registrants()),
        )

    async def cancelled(self, meeting: MeetingCancelledV1, tx: Tx) -> int:
        await self._describe(meeting, tx)
        await self._deliveries.stop(
            meeting.meeting_id, rules.STOPPED_BY_CANCELLATION, "meeting cancelled", tx
        )
        return await self._tell_registrants(
            meeting, "cancellation", meeting.meeting_id, "CANCEL", tx
        )

    async def _describe(self, meeting: MeetingSnapshot, tx: Tx) -> None:
        await self._meetings.remember(meeting, tx)
        await self._dashboards.describe(meeting, tx)
        await self._deliveries.meeting_districts(meeting.meeting_id, meeting.districts, tx)
        await self._campaigns.meeting_districts(meeting.meeting_id, meeting.districts, tx)

    async def _tell_registrants(
        self,
        meeting: MeetingSnapshot,
        kind: DeliveryKind,
        subject_id: str,
        ics_method: str,
        tx: Tx,
        **context: object,
    ) -> int:
        summary = MeetingSummary.model_validate(meeting.model_dump())
        subject_line = subject(kind, meeting.title)
        told = 0
        for registration in await self._registrations.active(meeting.meeting_id, tx):
            recipient = await self._people.recipient(registration.person_id, tx)
            if recipient is None or not recipient.email:
                continue
            with_calendar = rules.with_calendar(registration.state)
            rendered = await self._mail.render(
                kind,
                subject_line,
                recipient,
                tx,
                ics=self._mail.calendar_entry(summary, ics_method) if with_calendar else None,
                ics_method=ics_method,
                meeting=summary,
                with_calendar=with_calendar,
                **context,
            )
            if await self._mail.add(kind, recipient, meeting.meeting_id, subject_id, rendered, tx):
                told += 1
        return told
