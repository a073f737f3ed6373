"""The email sender: takes due deliveries one at a time and hands them to the SMTP server.

A delivery is claimed (pending -> sending, with a lease) before the SMTP conversation and
marked sent after it, so a crash can resend at most the one email in flight; the
deterministic Message-ID lets a mail system recognise even that one. Temporary failures
(4xx, connection trouble) go back to pending with exponential backoff; a permanent refusal
(5xx) or the last attempt makes the delivery dead. An address refused permanently
``HARD_BOUNCES_UNTIL_HOLD`` times in a row is on hold: its deliveries die without an SMTP
attempt until the hold is lifted (``DELETE /address-holds/{email}``). Sending is limited to
``SEND_RATE_PER_MINUTE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosmtplib
import structlog
from pymongo.errors import PyMongoError

from aiq_notifications import domain
from aiq_notifications.domain import StateChange
from aiq_notifications.messages import RenderedEmail, build_message
from aiq_notifications.repository import AddressHolds, DeliveriesRepository
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.contracts.notifications import DeliverySentV1
from aiq_shared.mongo import Database, Tx

log = structlog.get_logger(__name__)


class PermanentFailure(Exception):
    pass


class TemporaryFailure(Exception):
    pass


async def send_email(settings: NotificationsSettings, message) -> None:  # type: ignore[no-untyped-def]
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refusal.code for refusal in error.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(detail) from error
        raise TemporaryFailure(detail) from error
    except aiosmtplib.SMTPResponseException as error:
        if error.code >= 500:
            raise PermanentFailure(f"{error.code} {error.message}") from error
        raise TemporaryFailure(f"{error.code} {error.message}") from error
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        raise TemporaryFailure(repr(error)) from error


class DeliverySender:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        wake: asyncio.Event,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._changed = changed  # a delivery's state moved: live dashboards show it
        self._settings = settings
        self._deliveries = DeliveriesRepository(database)
        self._holds = AddressHolds(database)
        self._wake = wake
        self._rate = domain.RateLimit(settings.send_rate_per_minute, now=time.monotonic())

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.send_due()
            except PyMongoError as error:
                log.warning("sender.database_error", error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.sender_poll_interval_s)

    async def send_due(self) -> int:
        sent = 0
        while True:
            now = datetime.now(UTC)
            # a claim outlives any SMTP conversation; after a crash it expires and is retried
            lease = timedelta(seconds=3 * self._settings.smtp_timeout_s)
            doc = await self._deliveries.claim_due(now, now + lease)
            if doc is None:
                return sent
            if await self._send(doc):
                sent += 1

    async def _send(self, doc: dict[str, Any]) -> bool:
        if not doc.get("email") or "content" not in doc:
            await self._give_up(doc, "person erased")
            return False
        bounces = await self._holds.hard_bounces(doc["email"])
        if domain.on_hold(bounces, self._settings.hard_bounces_until_hold):
            await self._give_up(doc, f"address on hold after {bounces} permanent refusals")
            return False
        pause = self._rate.wait(time.monotonic())
        if pause:
            await asyncio.sleep(pause)
        content = doc["content"]
        message = build_message(
            rendered=RenderedEmail(
                subject=content["subject"],
                text=content["text"],
                html=content["html"],
                ics=content.get("ics"),
                ics_method=content.get("ics_method", "REQUEST"),
                check_in_code=content.get("check_in_code"),
            ),
            sender=self._settings.mail_from,
            sender_name=content.get("sender_name") or self._settings.mail_from_name,
            reply_to=content.get("reply_to"),
            recipient=doc["email"],
            recipient_name=content["recipient_name"],
            message_id=doc["message_id"],
            unsubscribe_url=content.get("unsubscribe_url"),
        )
        try:
            await send_email(self._settings, message)
        except PermanentFailure as error:
            bounces = await self._holds.bounced(doc["email"])
            await self._give_up(doc, f"refused ({bounces}. time): {error}")
            return False
        except TemporaryFailure as error:
            if doc["attempts"] >= self._settings.delivery_max_attempts:
                await self._give_up(doc, f"last attempt failed: {error}")
            else:
                retry_at = datetime.now(UTC) + domain.backoff(
                    doc["attempts"], self._settings.delivery_backoff_s
                )
                await self._deliveries.mark(
                    doc["_id"],
                    StateChange(state="pending", at=datetime.now(UTC), detail=str(error)),
                    {"next_attempt_at": retry_at, "last_error": str(error)},
                )
                log.info("delivery.retry", delivery_id=doc["_id"], retry_at=retry_at.isoformat())
            return False

        async def sent(tx: Tx) -> None:
            now = datetime.now(UTC)
            await self._deliveries.mark(
                doc["_id"], StateChange(state="sent", at=now), {"sent_at": now}, tx.session
            )
            await self._holds.clear(doc["email"], tx.session)
            tx.publish(
                DeliverySentV1(
                    delivery_id=doc["_id"],
                    kind=doc["kind"],
                    person_id=doc["person_id"],
                    meeting_id=doc.get("meeting_id"),
                    message_id=doc["message_id"],
                )
            )

        await self._database.transaction(sent)
        self._changed()
        log.info("delivery.sent", delivery_id=doc["_id"], kind=doc["kind"])
        return True

    async def _give_up(self, doc: dict[str, Any], reason: str) -> None:
        await self._deliveries.mark(
            doc["_id"],
            StateChange(state="dead", at=datetime.now(UTC), detail=reason),
            {"last_error": reason},
        )
        self._changed()
        log.warning("delivery.dead", delivery_id=doc["_id"], reason=reason)
