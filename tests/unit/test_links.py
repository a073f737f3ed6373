"""Signed unsubscribe links: for one person, one purpose, for a year; forgeries refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from aiq_notifications import links

SECRET = "test-secret-of-sufficient-length-1234"


def test_a_link_names_its_person() -> None:
    token = links.unsubscribe_token("p1", SECRET)
    assert links.person_of_unsubscribe_token(token, SECRET) == "p1"


def test_forged_expired_and_foreign_links_are_refused() -> None:
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token(
            links.unsubscribe_token("p1", "another-secret-0123456789abcdefgh"), SECRET
        )
    old = datetime.now(UTC) - timedelta(days=400)
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token(links.unsubscribe_token("p1", SECRET, now=old), SECRET)
    other_purpose = jwt.encode(
        {"sub": "p1", "purpose": "rsvp", "exp": datetime.now(UTC) + timedelta(days=1)},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(links.InvalidLink, match="not an unsubscribe link"):
        links.person_of_unsubscribe_token(other_purpose, SECRET)
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token("not-a-token", SECRET)
