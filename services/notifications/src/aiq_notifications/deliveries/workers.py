"""The sender, a worker (``runtime.every``, woken when a commit adds a delivery): each tick
is a run over what is due in the send queue (up to ``SENDER_BATCH``), over one SMTP
connection (``smtp.Mailer``). Emails are claimed ``CLAIMED_TOGETHER`` at a time just before
they are handed over (one at a time while a send rate limit is set), their lease renewed
before a send it might not cover, and each is marked handed over just after its SMTP
conversation; the run records what went out as sent together, at least once a second
(``sending.Sending.sent``).

Temporary failures (4xx, connection trouble) go back to pending with exponential backoff; a
permanent refusal (5xx) or the last attempt makes the delivery dead; an address on hold gets
no SMTP attempt, and one the server can't take (non-ASCII before the ``@`` without SMTPUTF8:
``addresses.py``) is dead at once, with the reason. Sending is limited to
``SEND_RATE_PER_MINUTE`` for all replicas together (``aiq_shared.pacing.SharedPace``): each
email waits for its turn before it is claimed, so the wait never eats into its lease.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from email.message import EmailMessage

import structlog

from aiq_notifications.deliveries.addresses import UndeliverableAddress, on_the_wire
from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.rules import Claimed
from aiq_notifications.deliveries.sending import Sending
from aiq_notifications.deliveries.smtp import (
    Mailer,
    PermanentFailure,
    TemporaryFailure,
    build_message,
)
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.pacing import SharedPace

log = structlog.get_logger(__name__)


RECORD_EVERY_S = 1.0  # handed-over emails wait at most this long to be recorded as sent
# claimed in one go: two writes and a read for all of them instead of three round trips each;
# a crash leaves at most this many to be taken again once their lease ends
CLAIMED_TOGETHER = 10


class Sender:
    def __init__(
        self,
        settings: NotificationsSettings,
        clock: Clock,
        deliveries: Sending,
        holds: AddressHolds,
        pace: SharedPace,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._deliveries = deliveries
        self._holds = holds
        self._pace = pace

    async def tick(self) -> bool:
        """A run over what is due; True if there was any (there may be more)."""
        due = await self._deliveries.due(self._settings.sender_batch)
        if not due:
            return False
        run = _Run(self._deliveries)
        held = await self._holds.all_on_hold()
        async with Mailer(self._settings) as mailer:
            fresh = []
            for entry in due:
                if entry.handed_over_at is None:
                    fresh.append(entry)
                elif (left := await self._deliveries.left_handed_over(entry)) is not None:
                    run.handed_over(*left)  # its sender died before recording it
            together = 1 if self._pace.limited else CLAIMED_TOGETHER
            for chunk in itertools.batched(fresh, together, strict=False):
                if self._pace.limited:
                    await self._pace.wait_turn()
                claimed, lease = await self._deliveries.claim(chunk)  # (the others: another
                while claimed:  # replica was quicker)
                    if not self._deliveries.room_for_a_send(lease):
                        claimed, lease = await self._deliveries.keep(claimed, lease)
                        continue
                    await self._send(claimed.pop(0), mailer, held, run)
                    await run.record_if_due()
        await run.record()
        return True

    async def _send(
        self, delivery: Claimed, mailer: Mailer, held: dict[str, str], run: _Run
    ) -> None:
        if not delivery.email or delivery.content is None:
            await self._deliveries.give_up(delivery, "person erased")
            return
        if (reason := held.get(delivery.email)) is not None:
            await self._deliveries.give_up(delivery, reason)
            return
        content = delivery.content
        address = delivery.email

        def message(smtputf8: bool) -> EmailMessage:
            return build_message(
                rendered=content,
                sender=self._settings.mail_from,
                sender_name=content.sender_name or self._settings.mail_from_name,
                reply_to=content.reply_to,
                recipient=on_the_wire(address, smtputf8).addr_spec,
                recipient_name=content.recipient_name,
                message_id=delivery.message_id,
                sent_at=self._clock.now(),
                unsubscribe_url=content.unsubscribe_url,
            )

        try:
            await mailer.send(message)
        except UndeliverableAddress as error:
            await self._deliveries.give_up(delivery, str(error))
        except PermanentFailure as error:
            await self._deliveries.give_up(delivery, str(error), refused=True)
            if (reason := await self._holds.hold_on(address)) is not None:
                held[address] = reason  # from the next email of this run on
        except TemporaryFailure as error:
            await self._deliveries.failed_for_now(delivery, str(error))
        except Exception as error:  # a bug must not leave it "sending": retried, then dead
            log.exception("delivery.error", delivery_id=delivery.id)
            await self._deliveries.failed_for_now(delivery, repr(error))
        else:
            run.handed_over(delivery, await self._deliveries.handed_over(delivery))


class _Run:
    """What a sender's run handed over and has not recorded as sent yet."""

    def __init__(self, deliveries: Sending) -> None:
        self._deliveries = deliveries
        self._handed_over: list[tuple[Claimed, datetime]] = []
        self._since = time.monotonic()

    def handed_over(self, delivery: Claimed, at: datetime) -> None:
        if not self._handed_over:
            self._since = time.monotonic()
        self._handed_over.append((delivery, at))

    async def record_if_due(self) -> None:
        if self._handed_over and time.monotonic() - self._since >= RECORD_EVERY_S:
            await self.record()

    async def record(self) -> None:
        handed_over, self._handed_over = self._handed_over, []
        await self._deliveries.sent(handed_over)
