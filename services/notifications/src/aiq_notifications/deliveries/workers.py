"""The sender, a worker (``runtime.every``, woken when a commit adds a delivery): each tick
takes one due delivery and hands it to the SMTP server.

Temporary failures (4xx, connection trouble) go back to pending with exponential backoff; a
permanent refusal (5xx) or the last attempt makes the delivery dead; an address on hold gets
no SMTP attempt, and one the server can't take (non-ASCII before the ``@`` without SMTPUTF8:
``addresses.py``) is dead at once, with the reason. Sending is limited to
``SEND_RATE_PER_MINUTE`` for all replicas together (``aiq_shared.pacing.SharedPace``).
"""

from __future__ import annotations

from email.message import EmailMessage

import structlog

from aiq_notifications.deliveries.addresses import UndeliverableAddress, on_the_wire
from aiq_notifications.deliveries.holds import AddressHolds
from aiq_notifications.deliveries.rules import Claimed
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.deliveries.smtp import (
    PermanentFailure,
    TemporaryFailure,
    build_message,
    send_email,
)
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.pacing import SharedPace

log = structlog.get_logger(__name__)


class Sender:
    def __init__(
        self,
        settings: NotificationsSettings,
        clock: Clock,
        deliveries: Deliveries,
        holds: AddressHolds,
        pace: SharedPace,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._deliveries = deliveries
        self._holds = holds
        self._pace = pace

    async def tick(self) -> bool:
        """Send the next due delivery; True if there was one (there may be more).

        The turn is taken before the claim: the wait for it never eats into the claim's
        lease (after which another replica would send the same email again)."""
        if not await self._deliveries.any_due():
            return False
        await self._pace.wait_turn()
        delivery = await self._deliveries.claim_next()
        if delivery is None:  # another replica was quicker
            return False
        await self._send(delivery)
        return True

    async def _send(self, delivery: Claimed) -> None:
        if not delivery.email or delivery.content is None:
            await self._deliveries.give_up(delivery, "person erased")
            return
        if (held := await self._holds.hold_on(delivery.email)) is not None:
            await self._deliveries.give_up(delivery, held)
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
            await send_email(self._settings, message)
        except UndeliverableAddress as error:
            await self._deliveries.give_up(delivery, str(error))
        except PermanentFailure as error:
            await self._deliveries.give_up(delivery, str(error), refused=True)
        except TemporaryFailure as error:
            await self._deliveries.failed_for_now(delivery, str(error))
        except Exception as error:  # a bug must not leave it "sending": retried, then dead
            log.exception("delivery.error", delivery_id=delivery.id)
            await self._deliveries.failed_for_now(delivery, repr(error))
        else:
            await self._deliveries.sent(delivery)
