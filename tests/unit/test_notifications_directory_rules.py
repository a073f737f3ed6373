"""What notifications keeps of other services' data: whom it may write to, and a meeting as
its emails show it."""

from __future__ import annotations

from aiq_notifications.directory.rules import Recipient


def recipient(person_id: str, district: str, email: str | None, consent: bool) -> Recipient:
    return Recipient(
        id=person_id, display_name="X", email=email, district=district, email_consent=consent
    )


def test_only_people_with_consent_and_an_address_are_reachable() -> None:
    assert recipient("yes", "Hörde", "a@x.example", True).reachable
    assert not recipient("no-consent", "Hörde", "b@x.example", False).reachable
    assert not recipient("no-email", "Eving", None, True).reachable
