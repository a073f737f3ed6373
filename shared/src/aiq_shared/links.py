"""Signed, expiring, single-purpose links (RSVP, decline, unsubscribe, double opt-in, desk).

A link's token is a JWT (HS256, the service's link secret) whose ``purpose`` names the one
thing it may do; its claims are a pydantic model, so they are typed before they reach a query.
A token for another purpose, forged, damaged or expired raises :class:`InvalidLink` /
:class:`ExpiredLink`. Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

MAX_TOKEN_LENGTH = 2000


class InvalidLink(ValueError):
    """Forged, damaged or meant for something else."""


class ExpiredLink(InvalidLink):
    """Genuine, but its time is over."""


class LinkClaims(BaseModel):
    """What a link says, besides its purpose and times; subclasses name the fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def sign_link(
    purpose: str,
    claims: LinkClaims,
    secret: str,
    *,
    issued_at: datetime,
    expires_at: datetime,
) -> str:
    payload: dict[str, Any] = claims.model_dump(mode="json")
    payload.update({"purpose": purpose, "iat": issued_at, "exp": expires_at})
    return jwt.encode(payload, secret, algorithm="HS256")


def read_link[C: LinkClaims](
    token: str,
    purpose: str,
    claims: type[C],
    secret: str,
    *,
    now: datetime | None = None,
    check_expiry: bool = True,
) -> tuple[C, datetime]:
    """The typed claims of a genuine token for ``purpose``, and when it expires.

    ``check_expiry=False`` leaves the expiry to the caller (an RSVP link lasts until the
    meeting's current end, which may be later than the one signed in)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink("too long to be one of ours")
    options = {"require": ["exp", "purpose"], "verify_exp": False}
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"], options=options)
        expires_at = datetime.fromtimestamp(int(payload["exp"]), UTC)
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError) as error:
        raise InvalidLink(str(error)) from error
    if payload.get("purpose") != purpose:
        raise InvalidLink(f"not a link to {purpose}")
    if check_expiry and (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredLink(f"the {purpose} link has expired")
    try:
        return claims.model_validate(payload), expires_at
    except ValidationError as error:
        raise InvalidLink(f"claims of a {purpose} link are incomplete") from error
