"""Consent and erasure on the notifications side (DSGVO).

Unsubscribe: every email's signed link withdraws consent to invitations here at once and in
contacts through ``aiq.consent.withdrawn.v1``. Double opt-in: contacts asks
(``aiq.double_opt_in.requested.v1``); this emails a signed, expiring link to a page here; the
click becomes ``aiq.consent.confirmed.v1``, which contacts records, and spends the link (a
second click confirms nothing). Erasure (``aiq.person.erased.v1``): the person's address and
name go from every collection here - recipient, deliveries (their rendered content too),
address holds - leaving only anonymous counts on the dashboards; their consent links are void.

Changes made through a link are recorded in the audit trail in the link's name
(``link:unsubscribe``, ``link:consent``), those of an event in its actor's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.rules import PURPOSES, subject
from aiq_notifications.deliveries.service import Deliveries
from aiq_notifications.directory.rules import Recipient
from aiq_notifications.directory.service import People
from aiq_notifications.privacy import rules
from aiq_notifications.privacy.repository import SpentConsentLinksRepository
from aiq_notifications.privacy.rules import ConsentRequest, InvalidLink, Unsubscribe
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import DoubleOptInRequestedV1, PersonErasedV1
from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from aiq_shared.envelope import Actor, current_actor
from aiq_shared.mongo import Database, Tx

RECIPIENT, CONSENT_REQUEST = "recipient", "consent_request"  # as the audit trail names them
ConsentLinkState = Literal["open", "spent"]


@contextmanager
def _by_link(purpose: str) -> Iterator[None]:
    """Changes made now are the link's (no one signed in: a person through their link)."""
    token = current_actor.set(Actor(subject=f"link:{purpose}"))
    try:
        yield
    finally:
        current_actor.reset(token)


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
        self._spent = SpentConsentLinksRepository(database)
        self.repositories = (self._spent,)

    # -- unsubscribe ---------------------------------------------------------------------
    def unsubscribe_link(self, token: str) -> Unsubscribe | None:
        """What a genuine unsubscribe link says (None: forged, damaged, expired, another's)."""
        return self._read(lambda: rules.unsubscribe_of(token, self._secret, self._clock.now()))

    async def unsubscribe(self, link: Unsubscribe) -> None:
        """No more invitations: here at once, and in contacts through an event."""

        async def work(tx: Tx) -> None:
            await self._people.withdraw_consent(link.person_id, tx)
            tx.audit(RECIPIENT, link.person_id, "consent_withdrawn", ["email_consent"])
            tx.emit(
                ConsentWithdrawnV1(
                    person_id=link.person_id, purpose="invitations", source="unsubscribe-link"
                )
            )

        with _by_link(rules.UNSUBSCRIBE):
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

    def consent_link(self, token: str) -> ConsentRequest | None:
        """What a genuine consent link says (None: forged, damaged, expired, another's)."""
        return self._read(lambda: rules.consent_request_of(token, self._secret, self._clock.now()))

    async def consent_link_state(self, request: ConsentRequest) -> ConsentLinkState:
        return "spent" if await self._spent.get(request.request_id) else "open"

    async def confirm(self, request: ConsentRequest) -> bool:
        """The consent confirmed, once: False if the link was spent already."""

        async def work(tx: Tx) -> bool:
            now = self._clock.now()
            if not await self._spent.spend(request.request_id, "confirmed", now, tx.session):
                return False
            tx.audit(CONSENT_REQUEST, request.request_id, "confirmed", ["confirmed_at"])
            tx.emit(
                ConsentConfirmedV1(
                    request_id=request.request_id,
                    person_id=request.person_id,
                    purpose=request.purpose,
                    text_version=request.text_version,
                    confirmed_at=now,
                )
            )
            return True

        with _by_link(rules.CONSENT):
            return await self._database.transaction(work)

    # -- erasure -------------------------------------------------------------------------
    async def erase(self, event: PersonErasedV1, tx: Tx) -> None:
        for request_id in await self._deliveries.subjects_of(event.person_id, "double_opt_in", tx):
            if await self._spent.spend(request_id, "person_erased", event.erased_at, tx.session):
                tx.audit(CONSENT_REQUEST, request_id, "voided", ["link"])
        recipient = await self._people.forget(event.person_id, tx)
        if recipient is not None:
            tx.audit(RECIPIENT, event.person_id, "erased", sorted(Recipient.model_fields))
        addresses = [recipient.email] if recipient is not None and recipient.email else []
        await self._deliveries.forget_person(event.person_id, event.erased_at, tx, addresses)

    @staticmethod
    def _read[C](read: Callable[[], C]) -> C | None:
        try:
            return read()
        except InvalidLink:
            return None
