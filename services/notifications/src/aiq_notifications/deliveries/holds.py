"""Holds on addresses that refuse: an address refused permanently ``HARD_BOUNCES_UNTIL_HOLD``
times is on hold, and its deliveries die without an SMTP attempt until the hold is lifted
(``DELETE /address-holds/{email}``, coordinators and admins: an address belongs to no
district), it accepts an email, or its person is erased. The audit trail names a hold by a
digest of its address (``rules.address_ref``), never by the address.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiq_notifications.deliveries import rules
from aiq_notifications.deliveries.repository import AddressHoldsRepository
from aiq_notifications.deliveries.schemas import AddressHold
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.errors import NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams

HOLD = "address_hold"


class AddressHolds:
    """Addresses that refused permanently, and whether they are on hold."""

    def __init__(self, database: Database, settings: NotificationsSettings) -> None:
        self._database = database
        self._limit = settings.hard_bounces_until_hold
        self._holds = AddressHoldsRepository(database)
        self.repositories = (self._holds,)

    async def page(self, page: PageParams) -> Page[AddressHold]:
        held = await self._holds.page({}, page)
        return Page(
            items=[
                AddressHold(
                    email=h.id,
                    hard_bounces=h.hard_bounces,
                    on_hold=rules.on_hold(h.hard_bounces, self._limit),
                )
                for h in held.items
            ],
            next_cursor=held.next_cursor,
        )

    async def lift(self, email: str) -> None:
        async def work(tx: Tx) -> bool:
            return await self.clear(email.lower(), "lifted", tx)

        if not await self._database.transaction(work):
            raise NotFound(f"no hold on {email}")

    async def hold_on(self, email: str) -> str | None:
        """Why nothing more goes to ``email`` (None: it may be sent to)."""
        bounces = await self._holds.hard_bounces(email)
        if rules.on_hold(bounces, self._limit):
            return f"address on hold after {bounces} permanent refusals"
        return None

    async def all_on_hold(self) -> dict[str, str]:
        """Every address on hold, each with why (one read for a sender's run: they are few,
        as a hold goes when its address accepts an email or its person is erased)."""
        if self._limit <= 0:
            return {}
        return {
            h.id: f"address on hold after {h.hard_bounces} permanent refusals"
            for h in await self._holds.refused_at_least(self._limit)
        }

    # -- steps of the sender's and erasure's transactions --------------------------------
    async def refused(self, email: str, tx: Tx) -> int:
        """One more permanent refusal by ``email``; how many there were."""
        bounces = await self._holds.bounced(email, tx.session)
        tx.audit(HOLD, rules.address_ref(email), "hard_bounce", ["hard_bounces"])
        return bounces

    async def clear_among(self, emails: Iterable[str], action: str, tx: Tx) -> None:
        """No hold on any of these addresses any more (they accepted an email)."""
        for held in await self._holds.among(emails, tx.session):
            await self.clear(held.id, action, tx)

    async def clear(self, email: str, action: str, tx: Tx) -> bool:
        """No hold on ``email`` any more (``action``: why); False if there was none."""
        if not await self._holds.clear(email, tx.session):
            return False
        tx.audit(HOLD, rules.address_ref(email), action, ["hard_bounces"])
        return True
