"""Invitations as the API takes and returns them, and as they are stored: a target, the
invitation (one per person and meeting), the campaign that made it, the counts of a selection.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aiq_events.directory.rules import ParticipantKind
from aiq_shared.targeting import ContactFilter


class InvitationTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: ContactFilter | None = Field(
        default=None, description="Who to invite (empty: everyone with consent)"
    )
    segment_id: str | None = Field(
        default=None, max_length=64, description="A saved segment from contacts"
    )


class Invitation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str
    campaign_id: str
    person_id: str
    display_name: str
    district: str
    organisation_id: str | None = None
    kind: ParticipantKind = "contact"
    created_at: datetime
    expires_at: datetime
    declined_at: datetime | None = Field(
        default=None, description="When the person said no through their personal link"
    )
    meeting_districts: list[str] = Field(
        default_factory=list, description="Where it is visible: its meeting's districts"
    )


class InvitationView(Invitation):
    """An invitation with how the person answered (their registration, if any)."""

    response: str = Field(
        description="open, confirmed, waitlisted, cancelled (their registration), or declined"
    )
    registration_id: str | None = None
    rsvp_url: str


class Campaign(BaseModel):
    """One invitation run of a meeting (stored; its invitations name it)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str
    target: ContactFilter
    segment_id: str | None = None
    total: int
    started_at: datetime


class SelectionCounts(BaseModel):
    matched: int = Field(description="People the target selects")
    eligible: int = Field(description="Of them: would be invited now")
    by_district: dict[str, int] = Field(description="Eligible per district")
    excluded_no_consent: int = Field(description="Selected but without invitation consent")
    excluded_no_email: int = Field(description="Consent, but no email address")
    already_invited: int = Field(description="Invited to this meeting before")


class PreviewPerson(BaseModel):
    person_id: str
    display_name: str
    district: str
    organisation_id: str | None = None
    organisation_name: str | None = None
    kind: str


class InvitationPreview(SelectionCounts):
    items: list[PreviewPerson]
    next_cursor: str | None = None


class CampaignResult(SelectionCounts):
    campaign_id: str | None = Field(description="None when nobody new was selected")
    invited: int
