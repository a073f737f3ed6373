"""Bearer tokens: who is asking, with which role and districts; forgeries refused."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from aiq_shared.auth import Principal, Unauthenticated, issue_token, verify

SECRET = "test-secret-of-sufficient-length-1234"
SETTINGS = SimpleNamespace(
    auth_jwks_url=None, auth_secret=SECRET, auth_audience="aiq", auth_issuer=None
)


def test_a_token_names_role_and_districts() -> None:
    token = issue_token(SECRET, "a.yilmaz", "officer", ["Hörde"], "Aylin Yılmaz")
    principal = verify(token, SETTINGS)
    assert principal == Principal(
        subject="a.yilmaz", name="Aylin Yılmaz", role="officer", districts=["Hörde"]
    )
    assert principal.may_see("Hörde") and not principal.may_see("Eving")
    assert principal.visible(["Eving", "Hörde", "Mengede"]) == ["Hörde"]


def test_coordinators_and_admins_see_every_district() -> None:
    for role in ("coordinator", "admin"):
        principal = verify(issue_token(SECRET, "k", role), SETTINGS)
        assert principal.visible(["Eving", "Hörde"]) == ["Eving", "Hörde"]


@pytest.mark.parametrize(
    "token",
    [
        issue_token("another-secret-of-sufficient-length", "x", "admin"),
        issue_token(SECRET, "x", "admin", valid_for=timedelta(seconds=-1)),
        issue_token(SECRET, "x", "admin", audience="elsewhere"),
        "not-a-token",
    ],
    ids=["forged", "expired", "foreign audience", "garbage"],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        verify(token, SETTINGS)
