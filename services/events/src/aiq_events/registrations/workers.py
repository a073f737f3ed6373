"""Background work of registrations: move-up offers whose time is over lapse and pass on."""

from __future__ import annotations

from aiq_events.registrations.service import RegistrationsService
from aiq_shared.workers import Tick


def offer_expiry(registrations: RegistrationsService) -> Tick:
    """A tick for ``runtime.every``: lapse every due offer (one transaction each)."""

    async def tick() -> bool:
        await registrations.expire_offers()
        return False  # the next offers fall due later

    return tick
