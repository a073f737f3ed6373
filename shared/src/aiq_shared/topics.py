"""Kafka topic names: one per aggregate, each with a dead-letter topic ``<topic>.dlq``."""

from __future__ import annotations

CONTACTS = "aiq.contacts"  # key: person or organisation id
EVENTS = "aiq.events"  # key: meeting id
REGISTRATIONS = "aiq.registrations"  # key: meeting id (one meeting's changes stay ordered)
NOTIFICATIONS = "aiq.notifications"  # key: delivery id

ALL = (CONTACTS, EVENTS, REGISTRATIONS, NOTIFICATIONS)


def dead_letter(topic: str) -> str:
    return f"{topic}.dlq"
