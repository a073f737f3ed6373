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
    with pytest.raises(links.InvalidLink, match="not a link to unsubscribe"):
        links.person_of_unsubscribe_token(other_purpose, SECRET)
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token("not-a-token", SECRET)


def test_a_consent_link_carries_its_request_and_nothing_else_passes_for_it() -> None:
    request = links.ConsentRequest("r1", "p1", "invitations", "2026-11")
    token = links.consent_token(request, SECRET)
    assert links.consent_request_of(token, SECRET) == request
    with pytest.raises(links.InvalidLink):  # an unsubscribe link is no consent
        links.consent_request_of(links.unsubscribe_token("p1", SECRET), SECRET)
    with pytest.raises(links.InvalidLink):  # and a consent link no unsubscribe
        links.person_of_unsubscribe_token(token, SECRET)
    old = datetime.now(UTC) - timedelta(days=15)
    with pytest.raises(links.InvalidLink):
        links.consent_request_of(links.consent_token(request, SECRET, now=old), SECRET)
