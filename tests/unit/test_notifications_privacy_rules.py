"""Signed unsubscribe links: for one person, one purpose, for a year; forgeries refused.
Links made before the shared link signing (and already in people's mailboxes) still work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from aiq_notifications.privacy import rules as links

SECRET = "test-secret-of-sufficient-length-1234"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_link_names_its_person() -> None:
    token = links.unsubscribe_token("p1", SECRET, NOW)
    assert links.person_of_unsubscribe_token(token, SECRET, NOW) == "p1"


def test_forged_expired_and_foreign_links_are_refused() -> None:
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token(
            links.unsubscribe_token("p1", "another-secret-0123456789abcdefgh", NOW), SECRET, NOW
        )
    old = NOW - timedelta(days=400)
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token(links.unsubscribe_token("p1", SECRET, old), SECRET, NOW)
    other_purpose = jwt.encode(
        {"sub": "p1", "purpose": "rsvp", "exp": NOW + timedelta(days=1)},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(links.InvalidLink, match="not a link to unsubscribe"):
        links.person_of_unsubscribe_token(other_purpose, SECRET, NOW)
    with pytest.raises(links.InvalidLink):
        links.person_of_unsubscribe_token("not-a-token", SECRET, NOW)


def test_a_consent_link_carries_its_request_and_nothing_else_passes_for_it() -> None:
    request = links.ConsentRequest(
        request_id="r1", person_id="p1", purpose="invitations", text_version="2026-11"
    )
    token = links.consent_token(request, SECRET, NOW)
    assert links.consent_request_of(token, SECRET, NOW) == request
    with pytest.raises(links.InvalidLink):  # an unsubscribe link is no consent
        links.consent_request_of(links.unsubscribe_token("p1", SECRET, NOW), SECRET, NOW)
    with pytest.raises(links.InvalidLink):  # and a consent link no unsubscribe
        links.person_of_unsubscribe_token(token, SECRET, NOW)
    old = NOW - timedelta(days=15)
    with pytest.raises(links.InvalidLink):
        links.consent_request_of(links.consent_token(request, SECRET, old), SECRET, NOW)


def _made_the_old_way(subject: str, purpose: str, valid_for: timedelta, **extra: str) -> str:
    """A token as the service signed them before aiq_shared.links (its own PyJWT code)."""
    issued = datetime.now(UTC) - timedelta(days=1)
    claims = {"sub": subject, "purpose": purpose, "iat": issued, "exp": issued + valid_for}
    return jwt.encode({**claims, **extra}, SECRET, algorithm="HS256")


def test_links_sent_before_keep_working_and_new_ones_carry_the_same_claims() -> None:
    now = datetime.now(UTC)
    unsubscribe = _made_the_old_way("p-old", "unsubscribe", timedelta(days=365))
    assert links.person_of_unsubscribe_token(unsubscribe, SECRET, now) == "p-old"
    consent = _made_the_old_way(
        "p-old", "consent", timedelta(days=14), rid="doi-7", for_="newsletter", txt="2026-03"
    )
    assert links.consent_request_of(consent, SECRET, now) == links.ConsentRequest(
        request_id="doi-7", person_id="p-old", purpose="newsletter", text_version="2026-03"
    )
    request = links.ConsentRequest(
        request_id="r1", person_id="p1", purpose="invitations", text_version="2026-11"
    )
    new_claims = jwt.decode(links.consent_token(request, SECRET, now), SECRET, ["HS256"])
    assert set(new_claims) == {"sub", "purpose", "iat", "exp", "rid", "for_", "txt"}
    new_claims = jwt.decode(links.unsubscribe_token("p1", SECRET, now), SECRET, ["HS256"])
    assert set(new_claims) == {"sub", "purpose", "iat", "exp"}
