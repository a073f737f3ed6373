"""Signed, expiring, single-purpose links in emails (PyJWT, HS256). Pure: no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_VALID_FOR = timedelta(days=365)


class InvalidLink(ValueError):
    pass


def unsubscribe_token(person_id: str, secret: str, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": person_id,
        "purpose": UNSUBSCRIBE,
        "iat": issued,
        "exp": issued + UNSUBSCRIBE_VALID_FOR,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def person_of_unsubscribe_token(token: str, secret: str) -> str:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["sub", "exp", "purpose"]}
        )
    except jwt.PyJWTError as error:
        raise InvalidLink(str(error)) from error
    if claims["purpose"] != UNSUBSCRIBE:
        raise InvalidLink("not an unsubscribe link")
    return str(claims["sub"])
