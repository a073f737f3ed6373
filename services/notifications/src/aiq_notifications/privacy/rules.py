"""The signed links of privacy (``aiq_shared.links``): unsubscribe (in every email, for a
year) and double opt-in (for two weeks). Plain Python, no I/O.

Links already sent carry the claim names they were made with (``sub``; for consent also
``rid``, ``for_``, ``txt``): the claims models read and write those names.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ConfigDict, Field

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


class Unsubscribe(LinkClaims):
    """An unsubscribe link: no more invitations for this person."""

    model_config = _CLAIM_NAMES

    person_id: str = Field(alias="sub")


class ConsentRequest(LinkClaims):
    """What a double opt-in link confirms: this person agrees to this text for this purpose."""

    model_config = _CLAIM_NAMES

    request_id: str = Field(alias="rid")
    person_id: str = Field(alias="sub")
    purpose: str = Field(alias="for_")
    text_version: str = Field(alias="txt")


def unsubscribe_token(person_id: str, secret: str, now: datetime) -> str:
    claims = Unsubscribe(person_id=person_id)
    return sign_link(
        UNSUBSCRIBE, claims, secret, issued_at=now, expires_at=now + UNSUBSCRIBE_VALID_FOR
    )


def person_of_unsubscribe_token(token: str, secret: str, now: datetime) -> str:
    """The person an unsubscribe link is for; :class:`InvalidLink` for anything else."""
    claims, _ = read_link(token, UNSUBSCRIBE, Unsubscribe, secret, now=now)
    return claims.person_id


def consent_token(request: ConsentRequest, secret: str, now: datetime) -> str:
    return sign_link(CONSENT, request, secret, issued_at=now, expires_at=now + CONSENT_VALID_FOR)


def consent_request_of(token: str, secret: str, now: datetime) -> ConsentRequest:
    claims, _ = read_link(token, CONSENT, ConsentRequest, secret, now=now)
    return claims
