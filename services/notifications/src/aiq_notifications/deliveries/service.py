"""Use cases of deliveries: the list, their counts, the sender's steps (claim, sent, retried,
dead), stopping what is no longer wanted, erasure (the holds on addresses: ``holds.py``).

A delivery is claimed (pending -> sending, with a lease) before the SMTP conversation and
marked sent after it, so a crash can resend at most the one email in flight; the
deterministic Message-ID lets a mail system recognise even that one. Every transition but
the claim (a lease, kept in the delivery's history) is recorded in the audit trail, by the
system or by whoever caused it (a cancellation stops the meeting's invitations in the name
of who cancelled it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog

from aiq_notifications.deliveries import rules
from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.repository import DeliveriesRepository
from aiq_notifications.deliveries.rules import (
    DELIVERY,
    Claimed,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Move,
)
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.contracts.notifications import DeliverySentV1
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams
from aiq_shared.scope import Scope

log = structlog.get_logger(__name__)


class Deliveries:
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
        self.repositories = (self._deliveries, *holds.repositories)

    # -- reads (in the caller's scope: a delivery's ``districts``) -------------------------
    async def list(
        self,
        scope: Scope,
        page: PageParams,
        meeting_id: str | None = None,
        person_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
    ) -> Page[Delivery]:
        wanted = {"meeting_id": meeting_id, "person_id": person_id, "kind": kind, "state": state}
        query = scope.narrow({f: v for f, v in wanted.items() if v}, "districts")
        return await self._deliveries.page(query, page)

    async def counts_of_meeting(
        self, scope: Scope, meeting_id: str, district: str | None
    ) -> dict[DeliveryState, int]:
        """The meeting's deliveries by state (to ``district``'s people, or all in scope)."""
        query: dict[str, Any] = {"meeting_id": meeting_id}
        if district is not None:
            query["district"] = district
        return await self._deliveries.count_by_state(scope.narrow(query, "districts"))

    async def counts_of_campaign(self, scope: Scope, campaign_id: str) -> dict[DeliveryState, int]:
        return await self._deliveries.count_by_state(
            scope.narrow({"campaign_id": campaign_id}, "districts")
        )

    async def counts_by_state(self) -> dict[DeliveryState, int]:
        """Every district's deliveries by state (the readings on /metrics)."""
        return await self._deliveries.count_by_state({})

    async def waiting(self) -> int:
        """Deliveries not done yet (pending or sending): ``/ready`` reports them."""
        return await self._deliveries.count_in(rules.WAITING)

    # -- the sender's steps --------------------------------------------------------------
    async def any_due(self) -> bool:
        return await self._deliveries.any_due(self._clock.now())

    async def claim_next(self) -> Claimed | None:
        """Take the next due delivery for sending (None: nothing is due)."""
        now = self._clock.now()
        lease = rules.claim_lease(self._settings.smtp_timeout_s)
        return await self._deliveries.claim_due(now, now + lease)

    async def sent(self, delivery: Claimed) -> None:
        async def work(tx: Tx) -> None:
            await self._move(delivery.id, rules.sent(self._clock.now()), tx)
            if delivery.email:
                await self._holds.clear(delivery.email, "cleared_by_delivery", tx)
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
        await self._database.transaction(lambda tx: self._move(delivery.id, move, tx))
        retry_at = move.fields["next_attempt_at"]
        log.info("delivery.retry", delivery_id=delivery.id, retry_at=retry_at.isoformat())

    async def give_up(self, delivery: Claimed, reason: str, *, refused: bool = False) -> None:
        """Dead: ``refused`` permanently by the server (one more hard bounce of its address)."""

        async def work(tx: Tx) -> str:
            detail = reason
            if refused and delivery.email:
                bounces = await self._holds.refused(delivery.email, tx)
                detail = f"refused ({bounces}. time): {reason}"
            await self._move(delivery.id, rules.dead(detail, self._clock.now()), tx)
            return detail

        detail = await self._database.transaction(work)
        self._changed()
        log.warning("delivery.dead", delivery_id=delivery.id, reason=detail)

    async def _move(self, delivery_id: str, move: Move, tx: Tx) -> None:
        await self._deliveries.move(delivery_id, move, tx.session)
        tx.audit(DELIVERY, delivery_id, move.action, move.changed_fields)

    # -- steps of other use cases (in their transaction) --------------------------------
    async def meeting_districts(self, meeting_id: str, districts: list[str], tx: Tx) -> None:
        """The meeting's districts (new, or changed): its emails are visible in them."""
        await self._deliveries.meeting_districts(meeting_id, districts, tx.session)

    async def backfill_districts(self, districts_of: Callable[[str], Awaitable[list[str]]]) -> None:
        """Deliveries written before they had districts get them (at start-up, once):
        ``districts_of(meeting_id)`` says the meeting's."""
        for meeting_id in await self._deliveries.meetings_without_districts():
            meeting_districts = await districts_of(meeting_id) if meeting_id else []
            await self._deliveries.meeting_districts(
                meeting_id, meeting_districts, only_missing=True
            )

    async def stop(
        self,
        meeting_id: str,
        kinds: Sequence[str],
        reason: str,
        tx: Tx,
        person_id: str | None = None,
    ) -> None:
        """What is still to be sent about the meeting (to ``person_id``) never will be."""
        stopped = await self._deliveries.stop(
            meeting_id, kinds, reason, self._clock.now(), tx.session, person_id
        )
        for delivery_id in stopped:
            tx.audit(DELIVERY, delivery_id, "stopped", ["history", "state", "stop_reason"])

    async def subjects_of(self, person_id: str, kind: DeliveryKind, tx: Tx) -> list[str]:
        """What the person's emails of ``kind`` were about (a double opt-in: its request)."""
        return await self._deliveries.subjects_of(person_id, kind, tx.session)

    async def forget_person(
        self, person_id: str, at: datetime, tx: Tx, addresses: Iterable[str] = ()
    ) -> None:
        """Erasure: no address and no content left; no hold on any address they had."""
        known = await self._deliveries.addresses_of(person_id, tx.session)
        for delivery_id in await self._deliveries.forget_person(person_id, at, tx.session):
            tx.audit(DELIVERY, delivery_id, "erased", ["content", "email", "erased"])
        for address in known | set(addresses):
            await self._holds.clear(address, "cleared_by_erasure", tx)
