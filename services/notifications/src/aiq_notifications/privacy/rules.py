"""The signed links of privacy (``aiq_shared.links``): unsubscribe (in every email, for a
year) and double opt-in (for two weeks). Plain Python, no I/O.

Links already sent carry the claim names they were made with (``sub``; for consent also
``rid``, ``for_``, ``txt``): the claims models read and write those names, and type them
(ids of a sane length, a known purpose) before they reach a query.

A consent link is spent once confirmed (and void once its person is erased): it confirms
one request once. An unsubscribe link is not spent: the same link is in every email for a
year, withdrawing twice changes nothing, and mail programs may send their one-click POST
more than once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aiq_shared.contracts.contacts import ConsentPurpose
from aiq_shared.links import InvalidLink, LinkClaims, read_link, sign_link

UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_VALID_FOR = timedelta(days=365)
CONSENT = "consent"
CONSENT_VALID_FOR = timedelta(days=14)

__all__ = ["InvalidLink"]

_CLAIM_NAMES = ConfigDict(
    extra="ignore", frozen=True, validate_by_name=True, validate_by_alias=True,
    serialize_by_alias=True,
)  # fmt: skip


# an id as the services make them (ObjectIds, uuids, test ids): nothing a query could misread
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Unsubscribe(LinkClaims):
    """An unsubscribe link: no more invitations for this person."""

    model_config = _CLAIM_NAMES

    person_id: Id = Field(alias="sub")


class ConsentRequest(LinkClaims):
    """What a double opt-in link confirms: this person agrees to this text for this purpose."""

    model_config = _CLAIM_NAMES

    request_id: Id = Field(alias="rid")
    person_id: Id = Field(alias="sub")
    purpose: ConsentPurpose = Field(alias="for_")
    text_version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        alias="txt"
    )


class SpentConsentLink(BaseModel):
    """A consent link that works no more: its request was confirmed, or its person erased.
    Kept by request id only (no personal data)."""

    id: str  # the request id
    reason: Literal["confirmed", "person_erased"]
    at: datetime


def unsubscribe_token(person_id: str, secret: str, now: datetime) -> str:
    claims = Unsubscribe(person_id=person_id)
    return sign_link(
        UNSUBSCRIBE, claims, secret, issued_at=now, expires_at=now + UNSUBSCRIBE_VALID_FOR
    )


def unsubscribe_of(token: str, secret: str, now: datetime) -> Unsubscribe:
    """What an unsubscribe link says; :class:`InvalidLink` for anything else."""
    claims, _ = read_link(token, UNSUBSCRIBE, Unsubscribe, secret, now=now)
    return claims


def person_of_unsubscribe_token(token: str, secret: str, now: datetime) -> str:
    """The person an unsubscribe link is for; :class:`InvalidLink` for anything else."""
    return unsubscribe_of(token, secret, now).person_id


def consent_token(request: ConsentRequest, secret: str, now: datetime) -> str:
    return sign_link(CONSENT, request, secret, issued_at=now, expires_at=now + CONSENT_VALID_FOR)


def consent_request_of(token: str, secret: str, now: datetime) -> ConsentRequest:
    claims, _ = read_link(token, CONSENT, ConsentRequest, secret, now=now)
    return claims
