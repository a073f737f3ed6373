"""Consent state from its history, and who can consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiq_contacts.consent import rules as consent
from aiq_contacts.consent.schemas import ConsentRecord
from aiq_shared.errors import Unprocessable

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _record(n: int, purpose: str, granted: bool, minutes: int) -> ConsentRecord:
    return consent.record(
        f"r{n}", "p", purpose, granted, "staff", "2026-01", T0 + timedelta(minutes=minutes)
    )


def test_the_latest_record_per_purpose_decides() -> None:
    history = [
        _record(3, "invitations", False, 30),
        _record(1, "invitations", True, 0),
        _record(2, "newsletter", True, 10),
    ]
    assert consent.current_consents(history) == ["newsletter"]
    assert consent.current_consents([*history, _record(4, "invitations", True, 40)]) == [
        "invitations",
        "newsletter",
    ]
    assert consent.current_consents([]) == []


def test_a_change_gives_or_withdraws_one_purpose() -> None:
    assert consent.after_change([], "newsletter", True) == ["newsletter"]
    assert consent.after_change(["newsletter"], "invitations", True) == [
        "invitations",
        "newsletter",
    ]
    assert consent.after_change(["invitations", "newsletter"], "invitations", False) == [
        "newsletter"
    ]


def test_consent_needs_an_address_and_students_are_not_emailed() -> None:
    consent.require_consentable("a@b.example", "contact", True)
    consent.require_consentable(None, "student", False)  # withdrawing is always possible
    with pytest.raises(Unprocessable):
        consent.require_consentable(None, "contact", True)
    with pytest.raises(Unprocessable):
        consent.require_consentable("a@b.example", "student", True)
