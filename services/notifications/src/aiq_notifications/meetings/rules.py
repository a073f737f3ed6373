"""What a meeting's change tells its registrants. Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from aiq_notifications.deliveries.rules import DeliveryKind

CHANGED_FIELDS = {
    "title": "Titel",
    "description": "Beschreibung",
    "starts_at": "Beginn",
    "ends_at": "Ende",
    "venue": "Ort",
}
# What a cancelled meeting no longer sends: invitations and reminders not yet out.
STOPPED_BY_CANCELLATION: tuple[DeliveryKind, ...] = ("invitation", "reminder", "day_before")


def changed_text(changed: Iterable[str]) -> str:
    """The changed fields as registrants read them: ``Beginn, Ende``."""
    return ", ".join(CHANGED_FIELDS.get(name, name) for name in changed)


def with_calendar(state: str) -> bool:
    """Only a confirmed registration has a calendar entry to update or withdraw."""
    return state == "confirmed"
