"""Versioned event contracts, one module per aggregate; importing this registers them all."""

from aiq_shared.contracts import contacts, invitations, meetings, notifications, registrations
from aiq_shared.contracts.base import REGISTRY, EventContract, contract_for

__all__ = [
    "REGISTRY",
    "EventContract",
    "contacts",
    "contract_for",
    "invitations",
    "meetings",
    "notifications",
    "registrations",
]
