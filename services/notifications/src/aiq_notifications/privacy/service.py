"""Consent and erasure on the notifications side (DSGVO).

Unsubscribe: every email's signed link withdraws consent to invitations here at once and in
contacts through ``aiq.consent.withdrawn.v1``. Double opt-in: contacts asks
(``aiq.double_opt_in.requested.v1``); this emails a signed, expiring link to a page here; the
click becomes ``aiq.consent.confirmed.v1``, which contacts records. Erasure
(``aiq.person.erased.v1``): the person's address and name go from every collection here -
recipient, deliveries (their rendered content too), address holds - leaving only anonymous
counts on the dashboards.
"""

from __future__ import annotations

from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.rules import PURPOSES, subject
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.directory.rules import Recipient
from aiq_notifications.directory.service import People
from aiq_notifications.privacy import rules
from aiq_notifications.privacy.rules import ConsentRequest, InvalidLink
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import DoubleOptInRequestedV1, PersonErasedV1
from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from aiq_shared.mongo import Database, Tx


class Privacy:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        clock: Clock,
        people: People,
        deliveries: Deliveries,
        correspondence: Correspondence,
    ) -> None:
        self._database = database
        self._secret = settings.link_secret
        self._clock = clock
        self._people = people
        self._deliveries = deliveries
        self._mail = correspondence

    # -- unsubscribe ---------------------------------------------------------------------
    def person_of_link(self, token: str) -> str | None:
        try:
            return rules.person_of_unsubscribe_token(token, self._secret, self._clock.now())
        except InvalidLink:
            return None

    async def unsubscribe(self, person_id: str) -> None:
        """No more invitations: here at once, and in contacts through an event."""

        async def work(tx: Tx) -> None:
            await self._people.withdraw_consent(person_id, tx)
            tx.emit(
                ConsentWithdrawnV1(
                    person_id=person_id, purpose="invitations", source="unsubscribe-link"
                )
            )

        await self._database.transaction(work)

    # -- double opt-in -------------------------------------------------------------------
    async def double_opt_in_requested(self, event: DoubleOptInRequestedV1, tx: Tx) -> bool:
        request = ConsentRequest(
            request_id=event.request_id,
            person_id=event.person_id,
            purpose=event.purpose,
            text_version=event.text_version,
        )
        token = rules.consent_token(request, self._secret, self._clock.now())
        recipient = Recipient(
            id=event.person_id,
            display_name=f"{event.first_name} {event.last_name}".strip(),
            email=event.email,
            district=event.district,
        )
        rendered = await self._mail.render(
            "double_opt_in",
            subject("double_opt_in", ""),
            recipient,
            tx,
            with_unsubscribe=False,
            confirm_url=self._mail.link(f"consent/{token}"),
            purpose_text=PURPOSES[event.purpose],
        )
        return await self._mail.add(
            "double_opt_in", recipient, None, event.request_id, rendered, tx
        )

    def request_of_link(self, token: str) -> ConsentRequest | None:
        try:
            return rules.consent_request_of(token, self._secret, self._clock.now())
        except InvalidLink:
            return None

    async def confirm(self, request: ConsentRequest) -> None:
        async def work(tx: Tx) -> None:
            tx.emit(
                ConsentConfirmedV1(
                    request_id=request.request_id,
                    person_id=request.person_id,
                    purpose=request.purpose,  # type: ignore[arg-type]
                    text_version=request.text_version,
                    confirmed_at=self._clock.now(),
                )
            )

        await self._database.transaction(work)

    # -- erasure -------------------------------------------------------------------------
    async def erase(self, event: PersonErasedV1, tx: Tx) -> None:
        recipient = await self._people.forget(event.person_id, tx)
        addresses = [recipient.email] if recipient is not None and recipient.email else []
        await self._deliveries.forget_person(event.person_id, event.erased_at, tx, addresses)
