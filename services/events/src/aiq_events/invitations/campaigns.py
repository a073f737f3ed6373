"""Invitation campaigns: everyone a target selects who has consent and no invitation yet gets
one, with their personal links, in chunks.

:meth:`Campaigns.select` reads whom to invite before any transaction (the whole directory may
be read: it must not count against a transaction's lifetime). :meth:`Campaigns.start` runs
inside the caller's transaction (publishing a meeting, or inviting to it): it writes the
campaign, publishes its start and the first chunk of invitations (one event each);
``pending`` keeps the rest for :meth:`Campaigns.finish`, a transaction per chunk, so no
transaction grows with the campaign. Each chunk leaves out whoever was invited meanwhile (the
unique index on meeting and person holds across replicas). Should a later chunk fail,
inviting the same target again completes the campaign: nobody is invited twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aiq_events.directory.rules import Participant
from aiq_events.directory.service import Directory
from aiq_events.invitations import rules
from aiq_events.invitations.links import PersonalLinks, decline_url
from aiq_events.invitations.repository import CampaignsRepository, InvitationsRepository
from aiq_events.invitations.rules import Selection
from aiq_events.invitations.schemas import Campaign, CampaignResult, InvitationTarget
from aiq_events.meetings.schemas import Meeting
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.errors import Conflict
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import Scope
from aiq_shared.targeting import ContactFilter


@dataclass
class Pending:
    """Chunks of a campaign still to write after its first transaction."""

    meeting: Meeting | None = None
    campaign_id: str = ""
    chunks: list[Sequence[Participant]] = field(default_factory=list)

    def clear(self) -> None:  # a retried transaction starts over
        self.chunks = []


@dataclass(frozen=True)
class Selected:
    """Whom a target selected, read before the campaign's transaction."""

    target: InvitationTarget
    selection: Selection


@dataclass(frozen=True)
class Campaigns:
    database: Database
    directory: Directory
    invitations: InvitationsRepository
    campaigns: CampaignsRepository
    links: PersonalLinks
    clock: Clock

    async def select(self, meeting: Meeting, target: InvitationTarget, scope: Scope) -> Selected:
        """Whom ``target`` (or, given none, the meeting's districts) would invite now, among
        the people the caller may see (``scope``: the districts of a person and of the
        organisations they belong to). Read outside any transaction."""
        target = rules.default_target(meeting, target)
        criteria = [target.target] if target.target is not None else []
        if target.segment_id:
            criteria.append(await self.directory.segment_filter(target.segment_id))
        selection = rules.select(
            await self.directory.people(scope),
            await self.directory.organisations(),
            criteria,
            await self.invitations.invited_people(meeting.id),
        )
        return Selected(target, selection)

    async def start(
        self, meeting: Meeting, selected: Selected, tx: Tx, pending: Pending
    ) -> CampaignResult:
        """The campaign of ``selected`` (see :meth:`select`), for ``meeting`` as read in ``tx``."""
        target = rules.default_target(meeting, selected.target)
        if target != selected.target:  # its districts changed since the selection was read
            raise Conflict("the meeting changed while its invitations were selected; try again")
        selection = selected.selection
        counts = selection.counts()
        if not selection.eligible:
            return CampaignResult(**counts.model_dump(), campaign_id=None, invited=0)
        campaign = Campaign(
            id=new_id(),
            meeting_id=meeting.id,
            target=target.target or ContactFilter(),
            segment_id=target.segment_id,
            total=len(selection.eligible),
            started_at=self.clock.now(),
        )
        await self.campaigns.add(campaign, tx.session)
        tx.emit(rules.campaign_started(campaign, meeting))
        tx.audit("campaign", campaign.id, "started", changed_fields(None, campaign))
        first, *rest = list(rules.chunks(selection.eligible))
        await self._invite_fresh(meeting, campaign.id, first, tx)
        pending.meeting, pending.campaign_id, pending.chunks = meeting, campaign.id, rest
        return CampaignResult(
            **counts.model_dump(), campaign_id=campaign.id, invited=len(selection.eligible)
        )

    async def finish(self, pending: Pending) -> None:
        """The rest of a started campaign, a transaction per chunk."""
        meeting = pending.meeting
        for chunk in pending.chunks if meeting is not None else []:

            async def work(tx: Tx, chunk: Sequence[Participant] = chunk) -> None:
                await self._invite_fresh(meeting, pending.campaign_id, chunk, tx)

            await self.database.transaction(work)

    async def _invite_fresh(
        self, meeting: Meeting, campaign_id: str, people: Sequence[Participant], tx: Tx
    ) -> None:
        """Invite those of ``people`` not invited meanwhile."""
        invited = await self.invitations.invited_among(
            meeting.id, [p.id for p in people], tx.session
        )
        people = [p for p in people if p.id not in invited]
        made = rules.invitations_for(meeting, campaign_id, people, self.clock.now(), new_id)
        await self.invitations.add_many(made, tx.session)
        for invitation in made:
            link = self.links.rsvp_url(invitation)
            tx.emit(rules.invitation_created(invitation, meeting, link, decline_url(link)))
            tx.audit("invitation", invitation.id, "created", changed_fields(None, invitation))
