"""Consent and erasure on the notifications side (DSGVO).

Double opt-in: contacts asks (``aiq.double_opt_in.requested.v1``); this emails a signed,
expiring link to a page here; the click becomes ``aiq.consent.confirmed.v1``, which contacts
records. Erasure (``aiq.person.erased.v1``): the person's address and name go from every
collection here - recipient, deliveries (their rendered content too), address holds -
leaving only anonymous counts on the dashboards.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiq_notifications import links, messages
from aiq_notifications.correspondence import Correspondence
from aiq_notifications.domain import Recipient
from aiq_notifications.read_models import RecipientsRepository
from aiq_notifications.repository import (
    AddressHolds,
    DeliveriesRepository,
)
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.contracts.contacts import DoubleOptInRequestedV1, PersonErasedV1
from aiq_shared.contracts.notifications import ConsentConfirmedV1
from aiq_shared.mongo import Database, Tx


class Privacy:
    def __init__(
        self, database: Database, settings: NotificationsSettings, correspondence: Correspondence
    ) -> None:
        self._database = database
        self._settings = settings
        self._mail = correspondence
        self._recipients = RecipientsRepository(database)
        self._deliveries = DeliveriesRepository(database)
        self._holds = AddressHolds(database)

    # double opt-in ------------------------------------------------------------------------
    async def double_opt_in_requested(self, event: DoubleOptInRequestedV1, tx: Tx) -> bool:
        request = links.ConsentRequest(
            request_id=event.request_id,
            person_id=event.person_id,
            purpose=event.purpose,
            text_version=event.text_version,
        )
        token = links.consent_token(request, self._settings.link_secret)
        recipient = Recipient(
            id=event.person_id,
            display_name=f"{event.first_name} {event.last_name}".strip(),
            email=event.email,
            district=event.district,
        )
        rendered = await self._mail.render(
            "double_opt_in",
            messages.subject("double_opt_in", ""),
            recipient,
            tx,
            with_unsubscribe=False,
            confirm_url=self._mail.link(f"consent/{token}"),
            purpose_text=messages.PURPOSES[event.purpose],
        )
        return await self._mail.add(
            "double_opt_in", recipient, None, event.request_id, rendered, tx
        )

    def request_of_link(self, token: str) -> links.ConsentRequest | None:
        try:
            return links.consent_request_of(token, self._settings.link_secret)
        except links.InvalidLink:
            return None

    async def confirm(self, request: links.ConsentRequest) -> None:
        async def work(tx: Tx) -> None:
            tx.publish(
                ConsentConfirmedV1(
                    request_id=request.request_id,
                    person_id=request.person_id,
                    purpose=request.purpose,  # type: ignore[arg-type]
                    text_version=request.text_version,
                    confirmed_at=datetime.now(UTC),
                )
            )

        await self._database.transaction(work)

    # erasure ------------------------------------------------------------------------------
    async def erase(self, event: PersonErasedV1, tx: Tx) -> None:
        addresses = await self._deliveries.addresses_of(event.person_id, tx.session)
        recipient = await self._recipients.get(event.person_id, tx.session)
        if recipient is not None and recipient.email:
            addresses.add(recipient.email)
        await self._recipients.delete(event.person_id, tx.session)
        await self._deliveries.forget_person(event.person_id, event.erased_at, tx.session)
        for address in addresses:
            await self._holds.clear(address, tx.session)
