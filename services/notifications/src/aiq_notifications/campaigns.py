"""Invitation campaigns: the events service decides whom to invite; this turns each invitation
into exactly one email and tells how far a campaign has got.

An invitation's delivery key is ``invitation:<person>:<meeting>``, unique in the database, so
a campaign replayed after a crash (the consumer re-reads what it had not committed) or a
second campaign for the same meeting never writes to anyone twice. Progress is counted from
the deliveries themselves, so it survives restarts without bookkeeping of its own.
"""

from __future__ import annotations

from aiq_notifications import domain, messages
from aiq_notifications.correspondence import Correspondence
from aiq_notifications.domain import CampaignProgress
from aiq_notifications.read_models import (
    InvitationsReadModel,
    MeetingsReadModel,
    RecipientsRepository,
)
from aiq_notifications.repository import (
    CampaignsRepository,
    DashboardsRepository,
    DeliveriesRepository,
)
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.errors import NotFound
from aiq_shared.kafka import RetryLater
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, page_of


class Campaigns:
    def __init__(self, database: Database, correspondence: Correspondence) -> None:
        self._mail = correspondence
        self._campaigns = CampaignsRepository(database)
        self._invitations = InvitationsReadModel(database)
        self._deliveries = DeliveriesRepository(database)
        self._recipients = RecipientsRepository(database)
        self._meetings = MeetingsReadModel(database)
        self._dashboards = DashboardsRepository(database)

    async def started(self, event: InvitationCampaignStartedV1, tx: Tx) -> None:
        await self._campaigns.start(
            {
                "_id": event.campaign_id,
                "meeting_id": event.meeting.meeting_id,
                "meeting_title": event.meeting.title,
                "total": event.total,
                "target": event.target.model_dump(mode="json"),
                "segment_id": event.segment_id,
                "started_at": event.started_at,
            },
            tx.session,
        )

    async def invitation_created(self, event: InvitationCreatedV1, tx: Tx) -> bool:
        """Email the invitation unless the person cannot be reached; True if one was added."""
        recipient = await self._recipients.get(event.person_id, tx.session)
        if recipient is None:
            raise RetryLater(f"person {event.person_id} not known here yet")
        meeting = event.meeting
        await self._invitations.record(
            {
                "_id": event.invitation_id,
                "meeting_id": meeting.meeting_id,
                "campaign_id": event.campaign_id,
                "person_id": event.person_id,
                "district": recipient.district,
                "rsvp_url": event.rsvp_url,
                "decline_url": event.decline_url,
                "registration_deadline": event.registration_deadline,
            },
            tx.session,
        )
        if not recipient.reachable:  # consent withdrawn (or no address) since it was decided
            await self._campaigns.skipped(event.campaign_id, tx.session)
            return False
        known = await self._meetings.get(meeting.meeting_id, tx.session) or {}
        tables = [{"title": title} for title in known.get("table_titles", {}).values()]
        rendered = await self._mail.render(
            "invitation",
            messages.subject("invitation", meeting.title),
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
            await self._dashboards.count(
                recipient.district, meeting.meeting_id, {"invited": 1}, tx.session
            )
        else:  # invited before (an earlier campaign for the same meeting)
            await self._campaigns.skipped(event.campaign_id, tx.session)
        return created

    async def progress(self, campaign_id: str) -> CampaignProgress:
        campaign = await self._campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        return await self._progress_of(campaign)

    async def list(self, page: PageParams, meeting_id: str | None) -> Page[CampaignProgress]:
        docs = await self._campaigns.list(page, meeting_id)
        progress = [await self._progress_of(doc) for doc in docs]
        return page_of(progress, page, lambda c: c.campaign_id)

    async def _progress_of(self, campaign: dict) -> CampaignProgress:  # type: ignore[type-arg]
        if "total" not in campaign:  # an invitation arrived before its campaign's start
            campaign = {**campaign, "total": 0, "meeting_id": "", "started_at": None}
        counts = await self._deliveries.count_of_campaign(str(campaign["_id"]))
        return domain.campaign_progress(
            campaign,
            sent=counts["sent"],
            failed=counts["dead"],
            in_flight=counts["pending"] + counts["sending"],
            stopped=counts["stopped"],
        )
