"""The sender's steps (``workers.Sender`` runs them): what is due, claim, handed over, sent,
retried, dead.

What is still to be sent waits in the send queue (``repository.SendQueueRepository``). A
delivery is claimed (its queue entry leased, the delivery pending -> sending) before the SMTP
conversation and its queue entry marked handed over right after it, so a crash can resend at
most the one email in flight; the deterministic Message-ID lets a mail system recognise even
that one. Handed-over deliveries are recorded as sent a run at a time, in one transaction (a
sender that died before that leaves entries a later run records, sending nothing). Every
transition but the claim (a lease, kept in the delivery's history) is recorded in the audit
trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import structlog

from aiq_notifications.deliveries import rules
from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.repository import (
    DeliveriesRepository,
    DeliveryTalliesRepository,
    SendQueueRepository,
)
from aiq_notifications.deliveries.rules import DELIVERY, Claimed, Due, Move
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.contracts.notifications import DeliverySentV1
from aiq_shared.mongo import Database, Tx

log = structlog.get_logger(__name__)


class Sending:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        clock: Clock,
        holds: AddressHolds,
        changed: Callable[[], None],
    ) -> None:
        self._database = database
        self._settings = settings
        self._clock = clock
        self._holds = holds
        self._changed = changed  # a delivery's state moved: live dashboards show it
        self._deliveries = DeliveriesRepository(database)
        self._queue = SendQueueRepository(database)
        self._tallies = DeliveryTalliesRepository(database)

    async def due(self, limit: int) -> list[Due]:
        """What is due for sending now, up to ``limit``, the longest due first."""
        return await self._queue.due(self._clock.now(), limit)

    async def claim(self, entry: Due) -> Claimed | None:
        """Take a due delivery for sending (None: another sender has it, or it is done)."""
        if (lease := await self._take(entry)) is None:
            return None
        now, lease_until = lease
        claimed = await self._deliveries.claim(entry.id, now, lease_until)
        if claimed is None:  # not due after all: an entry of a delivery done goes
            current = await self._deliveries.get(entry.id)
            if current is None or current.state not in rules.WAITING:
                await self._queue.done([entry.id], None)
        return claimed

    async def _take(self, entry: Due) -> tuple[datetime, datetime] | None:
        """Lease the queue entry to this sender (now, until when); None: another has it."""
        now = self._clock.now()
        lease_until = now + rules.claim_lease(self._settings.smtp_timeout_s)
        return (now, lease_until) if await self._queue.take(entry, now, lease_until) else None

    async def handed_over(self, delivery: Claimed) -> datetime:
        """The SMTP server has the email: no sender sends it again (until it is recorded as
        sent, its entry says so; ``record_by``: when another sender may record it)."""
        now = self._clock.now()
        record_by = now + rules.claim_lease(self._settings.smtp_timeout_s)
        await self._queue.handed_over(delivery.id, now, record_by)
        return now

    async def left_handed_over(self, entry: Due) -> tuple[Claimed, datetime] | None:
        """A delivery a sender handed over but never recorded as sent (it died): to record
        now, if this sender takes it (None: another did)."""
        assert entry.handed_over_at is not None
        if await self._take(entry) is None:
            return None
        delivery = await self._deliveries.get_claimed(entry.id)
        return None if delivery is None else (delivery, entry.handed_over_at)

    async def sent(self, handed_over: Sequence[tuple[Claimed, datetime]]) -> None:
        """Record deliveries the SMTP server accepted (each with when): sent, in one
        transaction; each one's queue entry goes and its address's hold is cleared."""
        if not handed_over:
            return

        async def work(tx: Tx) -> list[Claimed]:
            recorded = []
            for delivery, at in handed_over:
                if not await self._queue.done([delivery.id], tx.session):
                    continue  # another sender recorded it
                move = rules.sent(at)
                if not await self._deliveries.record_sent(delivery.id, move, tx.session):
                    continue
                tx.audit(DELIVERY, delivery.id, move.action, move.changed_fields)
                tx.emit(
                    DeliverySentV1(
                        delivery_id=delivery.id,
                        kind=delivery.kind,
                        person_id=delivery.person_id,
                        meeting_id=delivery.meeting_id,
                        message_id=delivery.message_id,
                    )
                )
                recorded.append(delivery)
            await self._tallies.add_up("sent", recorded, tx.session)
            addresses = {d.email for d, _ in handed_over if d.email}
            await self._holds.clear_among(addresses, "cleared_by_delivery", tx)
            return recorded

        recorded = await self._database.transaction(work)
        self._changed()
        for delivery in recorded:
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
        retry_at = move.fields["next_attempt_at"]

        async def work(tx: Tx) -> None:
            await self._move(delivery.id, move, tx)
            await self._queue.due_again(delivery.id, retry_at, tx.session)

        await self._database.transaction(work)
        log.info("delivery.retry", delivery_id=delivery.id, retry_at=retry_at.isoformat())

    async def give_up(self, delivery: Claimed, reason: str, *, refused: bool = False) -> None:
        """Dead: ``refused`` permanently by the server (one more hard bounce of its address)."""

        async def work(tx: Tx) -> str:
            detail = reason
            if refused and delivery.email:
                bounces = await self._holds.refused(delivery.email, tx)
                detail = f"refused ({bounces}. time): {reason}"
            await self._move(delivery.id, rules.dead(detail, self._clock.now()), tx)
            await self._queue.done([delivery.id], tx.session)
            await self._tallies.add_up("dead", [delivery], tx.session)
            return detail

        detail = await self._database.transaction(work)
        self._changed()
        log.warning("delivery.dead", delivery_id=delivery.id, reason=detail)

    async def _move(self, delivery_id: str, move: Move, tx: Tx) -> None:
        await self._deliveries.move(delivery_id, move, tx.session)
        tx.audit(DELIVERY, delivery_id, move.action, move.changed_fields)
