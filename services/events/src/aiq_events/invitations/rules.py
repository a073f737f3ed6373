"""Invitations: whom a target selects from the contacts read model, the invitations a campaign
makes, how an invitee answered, saying no. Plain Python, no I/O.

A target is a :class:`~aiq_shared.targeting.ContactFilter` and/or a saved segment (itself a
filter): both must match. Only people with current invitation consent and an address are
invited, and nobody twice per meeting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiq_events.directory.rules import Participant, organisations_of
from aiq_events.invitations.schemas import (
    Campaign,
    Invitation,
    InvitationTarget,
    PreviewPerson,
    SelectionCounts,
)
from aiq_events.meetings.schemas import Meeting
from aiq_shared.contracts.invitations import (
    InvitationCampaignStartedV1,
    InvitationCreatedV1,
    InvitationDeclinedV1,
)
from aiq_shared.errors import Conflict
from aiq_shared.links import ExpiredLink, InvalidLink
from aiq_shared.targeting import ContactFilter, matches

# Invitations (and their events) written per transaction: a campaign for thousands is a series
# of small transactions, not one that grows with it (and outlives a transaction's time limit).
CHUNK = 50


@dataclass
class Selection:
    """Who would be invited, in person-id order, and how the rest fell out."""

    eligible: list[Participant] = field(default_factory=list)
    matched: int = 0
    excluded_no_consent: int = 0
    excluded_no_email: int = 0
    already_invited: int = 0
    by_district: Counter[str] = field(default_factory=Counter)

    def counts(self) -> SelectionCounts:
        return SelectionCounts(
            matched=self.matched,
            eligible=len(self.eligible),
            by_district=dict(sorted(self.by_district.items())),
            excluded_no_consent=self.excluded_no_consent,
            excluded_no_email=self.excluded_no_email,
            already_invited=self.already_invited,
        )


def as_snapshot(person: Participant) -> dict[str, Any]:
    """The read-model person in the field names :func:`matches` expects."""
    return {
        "district": person.district,
        "kind": person.kind,
        "tags": person.tags,
        "email_consent": person.email_consent,
    }


def default_target[T: InvitationTarget](meeting: Meeting, target: T) -> T:
    """No target and no segment: the meeting's districts."""
    if target.target is None and target.segment_id is None:
        return target.model_copy(update={"target": ContactFilter(districts=meeting.districts)})
    return target


def select(
    people: Iterable[Participant],
    organisations: Mapping[str, Mapping[str, Any]],
    criteria: Sequence[ContactFilter],
    already_invited: set[str],
) -> Selection:
    """Apply every filter in ``criteria`` (all must match) to the read model."""
    selection = Selection()
    for person in sorted(people, key=lambda p: p.id):
        if person.erased:
            continue
        # a person in several organisations is selected when one of them matches
        theirs = organisations_of(person, organisations)
        if not all(matches(c, as_snapshot(person), organisations=theirs) for c in criteria):
            continue
        selection.matched += 1
        if not person.email_consent:
            selection.excluded_no_consent += 1
        elif not person.email:
            selection.excluded_no_email += 1
        elif person.id in already_invited:
            selection.already_invited += 1
        else:
            selection.eligible.append(person)
            selection.by_district[person.district] += 1
    return selection


def previewed(person: Participant, organisations: Mapping[str, Mapping[str, Any]]) -> PreviewPerson:
    return PreviewPerson(
        person_id=person.id,
        display_name=person.display_name,
        district=person.district,
        organisation_id=person.organisation_id,
        organisation_name=organisations.get(person.organisation_id or "", {}).get("name"),
        kind=person.kind,
    )


def chunks[T](items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def campaign_started(campaign: Campaign, meeting: Meeting) -> InvitationCampaignStartedV1:
    return InvitationCampaignStartedV1(
        campaign_id=campaign.id,
        meeting=meeting.summary(),
        target=campaign.target,
        segment_id=campaign.segment_id,
        total=campaign.total,
        started_at=campaign.started_at,
    )


def invitations_for(
    meeting: Meeting,
    campaign_id: str,
    people: Sequence[Participant],
    now: datetime,
    new_id: Callable[[], str],
) -> list[Invitation]:
    """One invitation per person, valid until the meeting ends."""
    return [
        Invitation(
            id=new_id(),
            meeting_id=meeting.id,
            campaign_id=campaign_id,
            person_id=person.id,
            display_name=person.display_name,
            district=person.district,
            organisation_id=person.organisation_id,
            kind=person.kind,
            created_at=now,
            expires_at=meeting.ends_at,
            meeting_districts=meeting.districts,
        )
        for person in people
    ]


def invitation_created(
    invitation: Invitation, meeting: Meeting, rsvp_url: str, decline_url: str
) -> InvitationCreatedV1:
    return InvitationCreatedV1(
        invitation_id=invitation.id,
        campaign_id=invitation.campaign_id,
        meeting=meeting.summary(),
        person_id=invitation.person_id,
        rsvp_url=rsvp_url,
        expires_at=invitation.expires_at,
        registration_deadline=meeting.registration_deadline,
        decline_url=decline_url,
    )


def check_link(
    invitation: Invitation | None,
    meeting: Meeting | None,
    signed_until: datetime,
    now: datetime,
    *,
    person_erased: bool,
) -> tuple[Invitation, Meeting]:
    """The invitation and meeting behind a genuine link, if it still opens them: a link lasts
    until the meeting ends (the end signed into it, or the meeting's current end if it was
    moved later since) or is closed (its purpose is spent: nothing to answer any more), and
    not for an erased person."""
    if invitation is None or meeting is None or invitation.meeting_id != meeting.id:
        raise InvalidLink("no such invitation")
    if now >= max(signed_until, meeting.ends_at) or meeting.status == "closed":
        raise ExpiredLink("the meeting is over")
    if person_erased:
        raise InvalidLink("the person was erased")
    return invitation, meeting


def response_of(invitation: Invitation, registration_status: str | None) -> str:
    """How the invitee answered: their registration's state; else declined, or still open.
    (Someone who said no and registered later is registered.)"""
    if registration_status is not None and registration_status != "cancelled":
        return registration_status
    if invitation.declined_at is not None:
        return "declined"
    return registration_status or "open"


def check_declinable(meeting: Meeting, registration_id: str | None) -> None:
    """A no is said through the link while the meeting is on; someone registered (their own
    registration, ``registration_id``) is asked to cancel it instead, so that the seat passes
    on as with every cancellation."""
    if meeting.status in ("cancelled", "closed"):
        raise Conflict(f"the meeting is {meeting.status}", reason=meeting.status)
    if registration_id is not None:
        raise Conflict(
            "registered: cancel the registration instead",
            reason="registered_decline",
            registration_id=registration_id,
        )


def declined(invitation: Invitation, at: datetime) -> InvitationDeclinedV1:
    return InvitationDeclinedV1(
        invitation_id=invitation.id,
        meeting_id=invitation.meeting_id,
        person_id=invitation.person_id,
        declined_at=at,
    )
