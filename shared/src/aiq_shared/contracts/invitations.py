"""Invitations on ``aiq.events``, keyed by meeting id: who was invited to which meeting.

The events service decides whom to invite (a target over its contacts read model, consent
required) and records each invitation with a personal, signed RSVP link; the notifications
service turns a campaign's invitations into emails and reports its progress.
"""

from __future__ import annotations

from pydantic import AwareDatetime

from aiq_shared import topics
from aiq_shared.contracts.base import EventContract
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.targeting import ContactFilter


class InvitationCampaignStartedV1(EventContract):
    """One invitation run of a meeting: ``total`` invitations follow, each with this campaign id."""

    event_type = "aiq.invitation_campaign.started.v1"
    topic = topics.EVENTS

    campaign_id: str
    meeting: MeetingSummary
    target: ContactFilter
    segment_id: str | None = None
    total: int
    started_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.meeting.meeting_id


class InvitationCreatedV1(EventContract):
    """A person is invited; ``rsvp_url`` is their personal link to register, change or cancel."""

    event_type = "aiq.invitation.created.v1"
    topic = topics.EVENTS

    invitation_id: str
    campaign_id: str
    meeting: MeetingSummary
    person_id: str
    rsvp_url: str
    expires_at: AwareDatetime
    registration_deadline: AwareDatetime | None = None
    # Added for issue 9: the personal link to say no (stops the reminders).
    decline_url: str | None = None

    def aggregate_key(self) -> str:
        return self.meeting.meeting_id


class InvitationDeclinedV1(EventContract):
    """The invitee said no through their personal link: no reminders any more."""

    event_type = "aiq.invitation.declined.v1"
    topic = topics.EVENTS

    invitation_id: str
    meeting_id: str
    person_id: str
    declined_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.meeting_id
