"""Invitations: whom a target selects from the contacts read model, and the personal RSVP link.

Plain Python, no I/O. A target is a :class:`~aiq_shared.targeting.ContactFilter` and/or a saved
segment (itself a filter): both must match. Only people with current invitation consent and an
address are invited, and nobody twice per meeting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aiq_events.domain import ParticipantKind
from aiq_events.people import Participant, organisations_of
from aiq_shared.targeting import ContactFilter, matches

RSVP = "rsvp"
# Invitations (and their events) written per transaction: a campaign for thousands is a series
# of small transactions, not one that grows with it (and outlives a transaction's time limit).
CHUNK = 50


class InvitationTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: ContactFilter | None = Field(
        default=None, description="Who to invite (empty: everyone with consent)"
    )
    segment_id: str | None = Field(
        default=None, max_length=64, description="A saved segment from contacts"
    )


class PublishOptions(InvitationTarget):
    """Publishing invites the meeting's districts unless told otherwise."""

    invite: bool = Field(default=True, description="false: publish without inviting anyone")


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


class InvitationView(Invitation):
    """An invitation with how the person answered (their registration, if any)."""

    response: str = Field(
        description="open, confirmed, waitlisted, cancelled (their registration), or declined"
    )
    registration_id: str | None = None
    rsvp_url: str


class Campaign(BaseModel):
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


def chunks[T](items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- the personal link ------------------------------------------------------------------------


class InvalidLink(ValueError):
    """Forged, damaged or meant for something else."""


class ExpiredLink(InvalidLink):
    """Genuine, but the meeting is over."""


class RsvpClaims(BaseModel):
    invitation_id: str
    meeting_id: str
    expires_at: AwareDatetime


def rsvp_token(
    invitation_id: str, meeting_id: str, expires_at: datetime, secret: str, issued_at: datetime
) -> str:
    """A signed, single-purpose link token valid until the meeting ends."""
    claims = {
        "sub": invitation_id,
        "mid": meeting_id,
        "purpose": RSVP,
        "iat": issued_at,
        "exp": expires_at,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def rsvp_claims(
    token: str, secret: str, now: datetime | None = None, *, check_expiry: bool = True
) -> RsvpClaims:
    """The claims of a genuine RSVP token, unexpired at ``now`` (unless the caller checks the
    expiry itself: ``check_expiry=False``)."""
    # the signature is checked here; expiry below, against a clock the caller may give
    options = {"require": ["sub", "mid", "exp", "purpose"], "verify_exp": False}
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=options)
        expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError) as error:
        raise InvalidLink(str(error)) from error
    if claims["purpose"] != RSVP:
        raise InvalidLink("not an RSVP link")
    if check_expiry and (now or datetime.now(UTC)) >= expires:
        raise ExpiredLink("the meeting is over")
    return RsvpClaims(invitation_id=claims["sub"], meeting_id=claims["mid"], expires_at=expires)


def rsvp_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/rsvp/{token}"


DECLINE_PATH = "absagen"


def decline_url(rsvp: str) -> str:
    """The personal link to say no: the RSVP link's own page for it."""
    return f"{rsvp}/{DECLINE_PATH}"


def response_of(invitation: Invitation, registration_status: str | None) -> str:
    """How the invitee answered: their registration's state; else declined, or still open.
    (Someone who said no and registered later is registered.)"""
    if registration_status is not None and registration_status != "cancelled":
        return registration_status
    if invitation.declined_at is not None:
        return "declined"
    return registration_status or "open"
