"""Signed, expiring, single-purpose links in emails (PyJWT, HS256). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_VALID_FOR = timedelta(days=365)
CONSENT = "consent"
CONSENT_VALID_FOR = timedelta(days=14)


class InvalidLink(ValueError):
    pass


def _sign(
    subject: str,
    purpose: str,
    valid_for: timedelta,
    secret: str,
    now: datetime | None,
    **extra: Any,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {"sub": subject, "purpose": purpose, "iat": issued, "exp": issued + valid_for}
    return jwt.encode({**claims, **extra}, secret, algorithm="HS256")


def _verify(token: str, purpose: str, secret: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["sub", "exp", "purpose"]}
        )
    except jwt.PyJWTError as error:
        raise InvalidLink(str(error)) from error
    if claims["purpose"] != purpose:
        raise InvalidLink(f"not a link to {purpose}")
    return claims


def unsubscribe_token(person_id: str, secret: str, now: datetime | None = None) -> str:
    return _sign(person_id, UNSUBSCRIBE, UNSUBSCRIBE_VALID_FOR, secret, now)


def person_of_unsubscribe_token(token: str, secret: str) -> str:
    return str(_verify(token, UNSUBSCRIBE, secret)["sub"])


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """What a double opt-in link confirms: this person agrees to this text for this purpose."""

    request_id: str
    person_id: str
    purpose: str
    text_version: str


def consent_token(request: ConsentRequest, secret: str, now: datetime | None = None) -> str:
    return _sign(
        request.person_id,
        CONSENT,
        CONSENT_VALID_FOR,
        secret,
        now,
        rid=request.request_id,
        for_=request.purpose,
        txt=request.text_version,
    )


def consent_request_of(token: str, secret: str) -> ConsentRequest:
    claims = _verify(token, CONSENT, secret)
    try:
        return ConsentRequest(
            request_id=str(claims["rid"]),
            person_id=str(claims["sub"]),
            purpose=str(claims["for_"]),
            text_version=str(claims["txt"]),
        )
    except KeyError as error:
        raise InvalidLink(f"missing claim {error}") from error
