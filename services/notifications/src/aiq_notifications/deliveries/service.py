"""Use cases of deliveries: the list, their counts, the sender's steps (claim, sent, retried,
dead), stopping what is no longer wanted, erasure, and the holds on addresses that refuse.

A delivery is claimed (pending -> sending, with a lease) before the SMTP conversation and
marked sent after it, so a crash can resend at most the one email in flight; the
deterministic Message-ID lets a mail system recognise even that one. An address refused
permanently ``HARD_BOUNCES_UNTIL_HOLD`` times is on hold: its deliveries die without an SMTP
attempt until the hold is lifted (``DELETE /address-holds/{email}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog

from aiq_notifications.deliveries import rules
from aiq_notifications.deliveries.repository import AddressHoldsRepository, DeliveriesRepository
from aiq_notifications.deliveries.rules import Claimed, Delivery, DeliveryState
from aiq_notifications.deliveries.schemas import AddressHold
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.contracts.notifications import DeliverySentV1
from aiq_shared.errors import NotFound
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams

log = structlog.get_logger(__name__)


class Deliveries:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        clock: Clock,
        changed: Callable[[], None],
    ) -> None:
        self._database = database
        self._settings = settings
        self._clock = clock
        self._changed = changed  # a delivery's state moved: live dashboards show it
        self._deliveries = DeliveriesRepository(database)
        self._holds = AddressHoldsRepository(database)
        self.repositories = (self._deliveries, self._holds)

    # -- reads ---------------------------------------------------------------------------
    async def list(
        self,
        page: PageParams,
        meeting_id: str | None = None,
        person_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
    ) -> Page[Delivery]:
        wanted = {"meeting_id": meeting_id, "person_id": person_id, "kind": kind, "state": state}
        return await self._deliveries.page({f: v for f, v in wanted.items() if v}, page)

    async def counts_of_meeting(
        self, meeting_id: str, district: str | None
    ) -> dict[DeliveryState, int]:
        query: dict[str, Any] = {"meeting_id": meeting_id}
        if district is not None:
            query["district"] = district
        return await self._deliveries.count_by_state(query)

    async def counts_of_campaign(self, campaign_id: str) -> dict[DeliveryState, int]:
        return await self._deliveries.count_by_state({"campaign_id": campaign_id})

    async def waiting(self) -> int:
        """Deliveries not done yet (pending or sending): ``/ready`` reports them."""
        return await self._deliveries.count_in(rules.WAITING)

    # -- the sender's steps --------------------------------------------------------------
    async def claim_next(self) -> Claimed | None:
        """Take the next due delivery for sending (None: nothing is due)."""
        now = self._clock.now()
        lease = rules.claim_lease(self._settings.smtp_timeout_s)
        return await self._deliveries.claim_due(now, now + lease)

    async def sent(self, delivery: Claimed) -> None:
        async def work(tx: Tx) -> None:
            await self._deliveries.move(delivery.id, rules.sent(self._clock.now()), tx.session)
            if delivery.email:
                await self._holds.clear(delivery.email, tx.session)
            tx.emit(
                DeliverySentV1(
                    delivery_id=delivery.id,
                    kind=delivery.kind,
                    person_id=delivery.person_id,
                    meeting_id=delivery.meeting_id,
                    message_id=delivery.message_id,
                )
            )

        await self._database.transaction(work)
        self._changed()
        log.info("delivery.sent", delivery_id=delivery.id, kind=delivery.kind)

    async def failed_for_now(self, delivery: Claimed, error: str) -> None:
        """A temporary failure: tried again after a backoff, or dead after the last attempt."""
        move = rules.after_temporary_failure(
            delivery.attempts,
            error,
            self._clock.now(),
            self._settings.delivery_max_attempts,
            self._settings.delivery_backoff_s,
        )
        if move.change.state == "dead":
            await self.give_up(delivery, str(move.change.detail))
            return
        await self._deliveries.move(delivery.id, move)
        retry_at = move.fields["next_attempt_at"]
        log.info("delivery.retry", delivery_id=delivery.id, retry_at=retry_at.isoformat())

    async def give_up(self, delivery: Claimed, reason: str) -> None:
        await self._deliveries.move(delivery.id, rules.dead(reason, self._clock.now()))
        self._changed()
        log.warning("delivery.dead", delivery_id=delivery.id, reason=reason)

    # -- steps of other use cases (in their transaction) --------------------------------
    async def stop(
        self,
        meeting_id: str,
        kinds: Sequence[str],
        reason: str,
        tx: Tx,
        person_id: str | None = None,
    ) -> None:
        """What is still to be sent about the meeting (to ``person_id``) never will be."""
        await self._deliveries.stop(
            meeting_id, kinds, reason, self._clock.now(), tx.session, person_id
        )

    async def forget_person(
        self, person_id: str, at: datetime, tx: Tx, addresses: Iterable[str] = ()
    ) -> None:
        """Erasure: no address and no content left; no hold on any address they had."""
        known = await self._deliveries.addresses_of(person_id, tx.session)
        await self._deliveries.forget_person(person_id, at, tx.session)
        for address in known | set(addresses):
            await self._holds.clear(address, tx.session)


class AddressHolds:
    """Addresses that refused permanently, and whether they are on hold."""

    def __init__(self, database: Database, settings: NotificationsSettings) -> None:
        self._limit = settings.hard_bounces_until_hold
        self._holds = AddressHoldsRepository(database)

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
        if not await self._holds.lift(email.lower()):
            raise NotFound(f"no hold on {email}")

    async def hold_on(self, email: str) -> str | None:
        """Why nothing more goes to ``email`` (None: it may be sent to)."""
        bounces = await self._holds.hard_bounces(email)
        if rules.on_hold(bounces, self._limit):
            return f"address on hold after {bounces} permanent refusals"
        return None

    async def refused(self, email: str) -> int:
        """One more permanent refusal by ``email``; how many there were."""
        return await self._holds.bounced(email)
