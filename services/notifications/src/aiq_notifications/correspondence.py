"""Turning a decision to write to someone into a delivery: render the email, record it once.

Every use case that emails (invitations, registrations, changes, reminders, double opt-in)
goes through ``Correspondence``; the sender (sender.py) does the SMTP part later.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiq_notifications import domain, links, messages
from aiq_notifications.dashboards import DashboardChanges
from aiq_notifications.domain import Delivery, DeliveryKind, Recipient, StateChange
from aiq_notifications.read_models import OrganisationsReadModel
from aiq_notifications.repository import DeliveriesRepository
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.staff import StaffMember


class Correspondence:
    def __init__(
        self, database: Database, settings: NotificationsSettings, changes: DashboardChanges
    ) -> None:
        self._settings = settings
        self._changes = changes
        self._deliveries = DeliveriesRepository(database)
        self._organisations = OrganisationsReadModel(database)
        self.deliveries_waiting = asyncio.Event()  # wakes the sender

    def link(self, path: str) -> str:
        return f"{self._settings.public_base_url.rstrip('/')}/{path.lstrip('/')}"

    async def render(
        self,
        template: str,
        subject: str,
        recipient: Recipient,
        tx: Tx,
        *,
        organisation_id: str | None = None,
        with_unsubscribe: bool = True,
        **context: object,
    ) -> messages.RenderedEmail:
        """Every email (but the request for consent itself) carries the recipient's signed
        unsubscribe link (text, HTML, headers); all are signed by the officer responsible for
        the organisation the email is about (``organisation_id``, else the recipient's main
        one), or without one by the first officer of the recipient's district."""
        token = links.unsubscribe_token(recipient.id, self._settings.link_secret)
        officer = await self.signer(recipient, organisation_id or recipient.organisation_id, tx)
        return messages.render(
            template,
            subject,
            unsubscribe_url=self.link(f"unsubscribe/{token}") if with_unsubscribe else None,
            officer=officer,
            recipient=recipient,
            **context,
        )

    async def signer(
        self, recipient: Recipient, organisation_id: str | None, tx: Tx
    ) -> StaffMember | None:
        organisation = (
            await self._organisations.get(organisation_id, tx.session) if organisation_id else None
        )
        return self._settings.staff_list.signer(
            (organisation or {}).get("officer"), recipient.district
        )

    async def add(
        self,
        kind: DeliveryKind,
        recipient: Recipient,
        meeting_id: str | None,
        subject_id: str,
        rendered: messages.RenderedEmail,
        tx: Tx,
        campaign_id: str | None = None,
    ) -> bool:
        """Record the email unless one of this kind about this subject went to them already."""
        assert recipient.email is not None
        now = datetime.now(UTC)
        key = domain.delivery_key(kind, recipient.id, subject_id)
        delivery = Delivery(
            id=new_id(),
            key=key,
            kind=kind,
            person_id=recipient.id,
            email=recipient.email,
            district=recipient.district,
            meeting_id=meeting_id,
            campaign_id=campaign_id,
            subject_id=subject_id,
            message_id=domain.message_id_for(key, self._settings.message_id_domain),
            next_attempt_at=now,
            history=[StateChange(state="pending", at=now)],
            created_at=now,
        )
        content = {
            "recipient_name": recipient.display_name,
            "sender_name": rendered.sender_name,
            "reply_to": rendered.reply_to,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "ics": rendered.ics,
            "ics_method": rendered.ics_method,
            "unsubscribe_url": rendered.unsubscribe_url,
            "check_in_code": rendered.check_in_code,
        }
        created = await self._deliveries.add_once(delivery, content, tx.session)
        if created:
            tx.after_commit(self.deliveries_waiting.set)
            tx.after_commit(self._changes.notify)  # live dashboards count deliveries
        return created
