"""The sender's steps (``workers.Sender`` runs them): what is due, claim, keep, handed over,
sent, retried, dead.

What is still to be sent waits in the send queue (``send_queue/repository.py``).
Deliveries are claimed a few at once (their queue entries leased, the deliveries pending ->
sending: two writes and a read for all of them) before their SMTP conversations, and each
one's queue entry is marked handed over right after its own, so a crash can resend at most
the one email in flight; the deterministic Message-ID lets a mail system recognise even that
one. Claimed deliveries not sent when a crash comes are taken again once their lease ends.
Handed-over deliveries are recorded as sent a run at a time, in one transaction (a
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
    ClaimedDeliveriesRepository,
    DeliveriesRepository,
    DeliveryTalliesRepository,
)
from aiq_notifications.deliveries.rules import DELIVERY, Claimed, Due, Lease, Move
from aiq_notifications.deliveries.send_queue.repository import SendQueueRepository
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.contracts.notifications import DeliverySentV1
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id

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
        self._timeout_s = settings.smtp_timeout_s
        self._clock = clock
        self._holds = holds
        self._changed = changed  # a delivery's state moved: live dashboards show it
        self._deliveries = DeliveriesRepository(database)
        self._claims = ClaimedDeliveriesRepository(database)
        self._queue = SendQueueRepository(database)
        self._tallies = DeliveryTalliesRepository(database)

    async def due(self, limit: int) -> list[Due]:
        """What is due for sending now, up to ``limit``, the longest due first."""
        return await self._queue.due(self._clock.now(), limit)

    async def claim(self, entries: Sequence[Due]) -> tuple[list[Claimed], Lease]:
        """Take due deliveries for sending, together, and the lease they are held by; those
        another sender has, or that are done, are left out."""
        now = self._clock.now()
        lease = Lease.new(new_id(), now, self._timeout_s)
        taken = await self._queue.take(entries, now, lease)
        if not taken:
            return [], lease
        claimed = await self._claims.claim(taken, now, lease)
        if len(claimed) < len(taken):  # not due after all: the entries of deliveries done go
            missing = set(taken) - {delivery.id for delivery in claimed}
            states = await self._claims.states(missing)
            done = [i for i in missing if states.get(i) not in rules.WAITING]
            await self._queue.done(done, None)
        return claimed, lease

    async def keep(self, claimed: Sequence[Claimed], lease: Lease) -> tuple[list[Claimed], Lease]:
        """Renew the lease of claimed deliveries not sent yet; those whose lease ran out and
        another sender took meanwhile are left out."""
        renewed = Lease.new(lease.token, self._clock.now(), self._timeout_s)
        kept = set(await self._queue.renew([delivery.id for delivery in claimed], renewed))
        still = [delivery for delivery in claimed if delivery.id in kept]
        if still:
            await self._claims.renew([delivery.id for delivery in still], renewed)
        return still, renewed

    def room_for_a_send(self, lease: Lease) -> bool:
        return lease.room_for_a_send(self._clock.now(), self._timeout_s)

    async def handed_over(self, delivery: Claimed) -> datetime:
        """The SMTP server has the email: no sender sends it again (until it is recorded as
        sent, its entry says so; ``record_by``: when another sender may record it)."""
        now = self._clock.now()
        record_by = now + rules.claim_lease(self._timeout_s)
        await self._queue.handed_over(delivery.id, now, record_by)
        return now

    async def left_handed_over(self, entry: Due) -> tuple[Claimed, datetime] | None:
        """A delivery a sender handed over but never recorded as sent (it died): to record
        now, if this sender takes it (None: another did)."""
        assert entry.handed_over_at is not None
        now = self._clock.now()
        if not await self._queue.take([entry], now, Lease.new(new_id(), now, self._timeout_s)):
            return None
        delivery = await self._claims.get(entry.id)
        return None if delivery is None else (delivery, entry.handed_over_at)

    async def sent(self, handed_over: Sequence[tuple[Claimed, datetime]]) -> None:
        """Record deliveries the SMTP server accepted (each with when): sent, in one
        transaction; each one's queue entry goes and its address's hold is cleared."""
        if not handed_over:
            return

        async def work(tx: Tx) -> list[Claimed]:
            queued = await self._queue.done([d.id for d, _ in handed_over], tx.session)
            moves = {d.id: rules.sent(at) for d, at in handed_over if d.id in queued}
            recorded_ids = set(await self._claims.record_sent(list(moves.items()), tx.session))
            recorded = [d for d, _ in handed_over if d.id in recorded_ids]  # (the others:
            for delivery in recorded:  # another sender recorded them)
                move = moves[delivery.id]
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
            self._tallies.add_up("sent", recorded, tx)
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
            self._tallies.add_up("dead", [delivery], tx)
            return detail

        detail = await self._database.transaction(work)
        self._changed()
        log.warning("delivery.dead", delivery_id=delivery.id, reason=detail)

    async def _move(self, delivery_id: str, move: Move, tx: Tx) -> None:
        await self._deliveries.move(delivery_id, move, tx.session)
        tx.audit(DELIVERY, delivery_id, move.action, move.changed_fields)
