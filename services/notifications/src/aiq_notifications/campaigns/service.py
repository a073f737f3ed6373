"""Invitation campaigns: the events service decides whom to invite; this turns each invitation
into exactly one email and tells how far a campaign has got.

An invitation's delivery key is ``invitation:<person>:<meeting>``, unique in the database, so
a campaign replayed after a crash (the consumer re-reads what it had not committed) or a
second campaign for the same meeting never writes to anyone twice. Progress is counted from
the deliveries themselves, so it survives restarts without bookkeeping of its own. A campaign
belongs to its meeting's districts (kept as the meeting changes): only they see it.
"""

from __future__ import annotations

from datetime import datetime

from aiq_notifications.campaigns.repository import CampaignsRepository
from aiq_notifications.campaigns.rules import Campaign, CampaignProgress, campaign_progress
from aiq_notifications.dashboards.service import Dashboards
from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.rules import subject
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.directory.service import Invitations, KnownMeetings, People
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.errors import NotFound
from aiq_shared.kafka import RetryLater
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams
from aiq_shared.scope import Scope


class Campaigns:
    def __init__(
        self,
        database: Database,
        people: People,
        meetings: KnownMeetings,
        invitations: Invitations,
        correspondence: Correspondence,
        deliveries: Deliveries,
        dashboards: Dashboards,
    ) -> None:
        self._campaigns = CampaignsRepository(database)
        self._people = people
        self._meetings = meetings
        self._invitations = invitations
        self._mail = correspondence
        self._deliveries = deliveries
        self._dashboards = dashboards
        self.repositories = (self._campaigns,)

    async def started(self, event: InvitationCampaignStartedV1, tx: Tx) -> None:
        meeting_id = event.meeting.meeting_id
        fields = {
            "meeting_id": meeting_id,
            "meeting_title": event.meeting.title,
            # the meeting's publication came before on the same partition: it is known
            "districts": await self._meetings.districts_of(meeting_id, tx),
            "total": event.total,
            "target": event.target.model_dump(mode="json"),
            "segment_id": event.segment_id,
            "started_at": event.started_at,
        }
        await self._campaigns.start(event.campaign_id, fields, tx.session)
        tx.audit("campaign", event.campaign_id, "started", sorted(fields))  # by who started it

    async def invitation_created(self, event: InvitationCreatedV1, tx: Tx) -> bool:
        """Email the invitation unless the person cannot be reached; True if one was added."""
        recipient = await self._people.recipient(event.person_id, tx)
        if recipient is None:
            raise RetryLater(f"person {event.person_id} not known here yet")
        meeting = event.meeting
        await self._invitations.record(event, recipient.district, tx)
        if not recipient.reachable:  # consent withdrawn (or no address) since it was decided
            await self._campaigns.skipped(event.campaign_id, tx.session)
            return False
        known = await self._meetings.get(meeting.meeting_id, tx) or {}
        tables = [{"title": title} for title in known.get("table_titles", {}).values()]
        rendered = await self._mail.render(
            "invitation",
            subject("invitation", meeting.title),
            recipient,
            tx,
            meeting=meeting,
            topic_tables=tables,
            registration_deadline=event.registration_deadline,
            rsvp_url=event.rsvp_url,
            decline_url=event.decline_url,
        )
        created = await self._mail.add(
            "invitation",
            recipient,
            meeting.meeting_id,
            meeting.meeting_id,
            rendered,
            tx,
            campaign_id=event.campaign_id,
        )
        if created:
            await self._dashboards.invited(recipient.district, meeting.meeting_id, tx)
        else:  # invited before (an earlier campaign for the same meeting)
            await self._campaigns.skipped(event.campaign_id, tx.session)
        return created

    async def meeting_districts(self, meeting_id: str, districts: list[str], tx: Tx) -> None:
        """The meeting's districts (new, or changed): its campaigns are visible in them."""
        await self._campaigns.meeting_districts(meeting_id, districts, tx.session)

    async def backfill_districts(self) -> None:
        """Campaigns kept before they had districts get their meeting's (at start-up)."""
        for meeting_id in await self._campaigns.meetings_without_districts():
            districts = await self._meetings.districts_of(meeting_id)
            await self._campaigns.meeting_districts(meeting_id, districts)

    # -- reads (in the caller's scope: the campaign's meeting's districts) ----------------
    async def progress(self, scope: Scope, campaign_id: str) -> CampaignProgress:
        campaign = await self._campaigns.find_one(scope.narrow({"_id": campaign_id}, "districts"))
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        return await self._progress_of(campaign)

    async def list(
        self, scope: Scope, page: PageParams, meeting_id: str | None
    ) -> Page[CampaignProgress]:
        query = scope.narrow({"meeting_id": meeting_id} if meeting_id else {}, "districts")
        campaigns = await self._campaigns.page(query, page)
        return Page(
            items=[await self._progress_of(c) for c in campaigns.items],
            next_cursor=campaigns.next_cursor,
        )

    async def running(self, since: datetime) -> list[CampaignProgress]:
        """The campaigns started since ``since`` that are not done (every district's)."""
        started = await self._campaigns.find({"started_at": {"$gte": since}})
        progress = [await self._progress_of(c) for c in started]
        return [p for p in progress if not p.done]

    async def _progress_of(self, campaign: Campaign) -> CampaignProgress:
        tally = await self._deliveries.tally_of_campaign(campaign.id)
        return campaign_progress(
            campaign,
            sent=tally.sent,
            failed=tally.dead,
            in_flight=tally.in_flight,
            stopped=tally.stopped,
        )
