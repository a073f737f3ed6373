"""Invitations use cases: preview a target, invite it, open a personal link; the invitee's link
for the other subjects (an email about a registration offers it)."""

from __future__ import annotations

from dataclasses import dataclass

from aiq_events.directory.rules import ERASED
from aiq_events.directory.service import Directory
from aiq_events.invitations import rules
from aiq_events.invitations.campaigns import Campaigns, Pending
from aiq_events.invitations.links import PersonalLinks
from aiq_events.invitations.repository import InvitationsRepository
from aiq_events.invitations.schemas import (
    CampaignResult,
    Invitation,
    InvitationPreview,
    InvitationTarget,
)
from aiq_events.meetings import rules as meeting_rules
from aiq_events.meetings.schemas import Meeting
from aiq_events.meetings.service import MeetingsService
from aiq_shared.clock import Clock
from aiq_shared.errors import NotFound
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import PageParams, page_of
from aiq_shared.scope import EVERYTHING, Scope


@dataclass(frozen=True)
class InvitationsService:
    database: Database
    meetings: MeetingsService
    campaigns: Campaigns
    directory: Directory
    invitations: InvitationsRepository
    links: PersonalLinks
    clock: Clock

    async def preview_invitations(
        self, meeting_id: str, target: InvitationTarget, page: PageParams, scope: Scope
    ) -> InvitationPreview:
        meeting = await self.meetings.get_meeting(meeting_id, scope)
        selection = (await self.campaigns.select(meeting, target, scope)).selection
        organisations = await self.directory.organisations()
        after = [p for p in selection.eligible if not page.cursor or p.id > page.cursor]
        listed = page_of(after[: page.limit + 1], page, lambda p: p.id)
        return InvitationPreview(
            **selection.counts().model_dump(),
            items=[rules.previewed(p, organisations) for p in listed.items],
            next_cursor=listed.next_cursor,
        )

    async def invite(
        self,
        meeting_id: str,
        target: InvitationTarget,
        scope: Scope,
        idempotency_key: str | None = None,
    ) -> CampaignResult:
        pending = Pending()

        async def work(tx: Tx) -> CampaignResult:
            meeting = await self.meetings.load(meeting_id, tx, scope)
            meeting_rules.check_invitable(meeting, self.clock.now())
            pending.clear()
            return await self.campaigns.start(meeting, selected, tx, pending)

        async with self.meetings.one_at_a_time(meeting_id):
            before = await self.meetings.get_meeting(meeting_id, scope)
            meeting_rules.check_invitable(before, self.clock.now())  # refused before the reading
            selected = await self.campaigns.select(before, target, scope)  # outside the transaction
            result = await once(
                self.database, idempotency_key, f"invitations:{meeting_id}", work, CampaignResult
            )
            await self.campaigns.finish(pending)
        return result

    async def invitation_of_link(self, token: str) -> tuple[Invitation, Meeting]:
        """The invitation behind a personal link; InvalidLink/ExpiredLink if it is none."""
        claims, signed_until = self.links.read(token)
        invitation = await self.invitations.get(claims.invitation_id)
        try:  # the link is the invitee's: every district
            meeting: Meeting | None = await self.meetings.get_meeting(claims.meeting_id, EVERYTHING)
        except NotFound:
            meeting = None
        person = await self.directory.person(invitation.person_id) if invitation else None
        return rules.check_link(
            invitation,
            meeting,
            signed_until,
            self.clock.now(),
            person_erased=person is not None and person.erased,
        )

    async def link_of(self, meeting_id: str, person_id: str, tx: Tx) -> str | None:
        """The person's RSVP link for the meeting, if they were invited."""
        invitation = await self.invitations.of_person(meeting_id, person_id, tx.session)
        return self.links.rsvp_url(invitation) if invitation else None

    async def invited_by_district(self, meeting_id: str, scope: Scope) -> dict[str, int]:
        return await self.invitations.invited_by_district(meeting_id, scope)

    # for an erasure and a merge -----------------------------------------------------------
    async def forget_person(self, person_id: str, tx: Tx) -> None:
        await self.invitations.forget_person(person_id, ERASED, tx.session)

    async def move_organisation(self, merged: str, surviving: str, tx: Tx) -> None:
        await self.invitations.move_organisation(merged, surviving, tx.session)
