"""Registrations as notifications sees them: each change counted on its district's dashboard
and turned into the email it calls for (confirmation, waitlist, move-up, offers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiq_notifications import domain, messages
from aiq_notifications.correspondence import Correspondence
from aiq_notifications.dashboards import DashboardChanges
from aiq_notifications.domain import BERLIN, DeliveryKind, Recipient
from aiq_notifications.read_models import (
    InvitationsReadModel,
    MeetingsReadModel,
    OrganisationsReadModel,
    RecipientsRepository,
    RegistrationsReadModel,
)
from aiq_notifications.repository import DashboardsRepository
from aiq_notifications.seating import choice_key, seating_key, seating_of
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationMoveUpOfferedV1,
    RegistrationSnapshot,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.kafka import RetryLater
from aiq_shared.mongo import Database, Tx


class Registrations:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        correspondence: Correspondence,
        changes: DashboardChanges,
    ) -> None:
        self._settings = settings
        self._mail = correspondence
        self._changes = changes
        self._recipients = RecipientsRepository(database)
        self._dashboards = DashboardsRepository(database)
        self._meetings = MeetingsReadModel(database)
        self._registrations = RegistrationsReadModel(database)
        self._invitations = InvitationsReadModel(database)
        self._organisations = OrganisationsReadModel(database)

    async def changed(
        self, change: domain.Change, registration: RegistrationSnapshot, tx: Tx
    ) -> None:
        previous = (
            registration.previous_status
            if isinstance(registration, RegistrationCancelledV1)
            else None
        )
        known = await self._registrations.get(registration.registration_id, tx.session)
        standing = await self._standing(registration, known, tx)
        state = domain.registration_state(change, registration.status)
        await self._dashboards.count(
            registration.district,
            registration.meeting.meeting_id,
            domain.dashboard_increments(
                change,
                registration,
                previous,
                datetime.now(BERLIN).date(),
                standing,
                counted=known.get("tables") if known else None,
            ),
            tx.session,
        )
        await self._registrations.record(
            registration.registration_id,
            registration.meeting.meeting_id,
            registration.person_id,
            state,
            registration.check_in_code,
            tx.session,
            standing=standing,
            tables=domain.counted_tables(state, registration),
        )
        tx.after_commit(self._changes.notify)
        if change == "checked_in":
            return  # counted; no email for it
        recipient = await self._recipient_of(registration, tx)
        if recipient is None:
            return  # nobody to write to; the registration still counts
        if isinstance(registration, RegistrationCancelledV1):
            await self._cancelled(registration, recipient, tx)
        elif isinstance(registration, RegistrationTablesChangedV1):
            await self._tables_changed(registration, recipient, tx)
        elif isinstance(registration, RegistrationWaitlistedV1):
            rendered = await self._render(
                "waitlist",
                registration,
                recipient,
                tx,
                waitlist_position=registration.waitlist_position,
            )
            await self._add("waitlist", registration, recipient, rendered, tx)
        else:
            kind: DeliveryKind = domain.registration_kind(change)
            rendered = await self._render(
                "confirmation",
                registration,
                recipient,
                tx,
                kind=kind,
                ics=messages.calendar_entry(registration.meeting, self._settings.message_id_domain),
                seating=seating_of(registration, await self._titles(registration, tx)),
                seats=registration.seats,
                group_students=registration.group_students,
                moved_up=kind == "promotion",
                check_in_code=registration.check_in_code,
            )
            await self._add(kind, registration, recipient, rendered, tx)

    async def _cancelled(
        self, event: RegistrationCancelledV1, recipient: Recipient, tx: Tx
    ) -> None:
        """A short confirmation of the cancellation (or the note that an offer lapsed)."""
        kind = domain.cancellation_kind(event.reason)
        meeting = await self._meetings.get(event.meeting.meeting_id, tx.session)
        if kind is None or (meeting or {}).get("status") == "cancelled":
            return  # the meeting's cancellation tells everyone itself
        # a confirmed seat had a calendar entry (same UID): withdraw it
        calendar = (
            {
                "ics": messages.calendar_entry(
                    event.meeting, self._settings.message_id_domain, "CANCEL"
                ),
                "ics_method": "CANCEL",
            }
            if event.previous_status == "confirmed"
            else {}
        )
        rendered = await self._render(
            kind,
            event,
            recipient,
            tx,
            previous_status=event.previous_status,
            rsvp_url=await self._link_of(event, tx),
            **calendar,
        )
        await self._add(kind, event, recipient, rendered, tx)

    async def _tables_changed(
        self, event: RegistrationTablesChangedV1, recipient: Recipient, tx: Tx
    ) -> None:
        """Where the person sits now (the assignment step, a seat come free at a table), or
        their new choice confirmed: once per distinct seating (or choice)."""
        if event.status == "cancelled":
            return
        kind: DeliveryKind = "table_choice" if event.reason == "choice" else "tables"
        rendered = await self._render(
            "tables",
            event,
            recipient,
            tx,
            kind=kind,
            reason=event.reason,
            seating=seating_of(event, await self._titles(event, tx)),
            rsvp_url=await self._link_of(event, tx),
        )
        same = choice_key(event) if kind == "table_choice" else seating_key(event)
        await self._add(kind, event, recipient, rendered, tx, f"{event.registration_id}:{same}")

    async def _render(
        self,
        template: str,
        registration: RegistrationSnapshot,
        recipient: Recipient,
        tx: Tx,
        kind: DeliveryKind | None = None,
        **context: object,
    ) -> messages.RenderedEmail:
        """An email about a registration, signed for the organisation it was made for."""
        return await self._mail.render(
            template,
            messages.subject(kind or template, registration.meeting.title),
            recipient,
            tx,
            organisation_id=registration.organisation_id,
            meeting=registration.meeting,
            **context,
        )

    async def _add(
        self,
        kind: DeliveryKind,
        registration: RegistrationSnapshot,
        recipient: Recipient,
        rendered: messages.RenderedEmail,
        tx: Tx,
        subject_id: str | None = None,
    ) -> None:
        await self._mail.add(
            kind,
            recipient,
            registration.meeting.meeting_id,
            subject_id or registration.registration_id,
            rendered,
            tx,
        )

    async def move_up_offered(self, offer: RegistrationMoveUpOfferedV1, tx: Tx) -> None:
        """A freed seat is kept for a waitlisted registrant for a while: tell them, with the
        link to accept it (the events service passes it on when the offer expires)."""
        recipient = await self._recipient_of(offer, tx)
        if recipient is None:
            return
        rendered = await self._render(
            "move_up_offer",
            offer,
            recipient,
            tx,
            offer_expires_at=offer.offer_expires_at,
            rsvp_url=await self._link_of(offer, tx),
        )
        subject_id = f"{offer.registration_id}:{offer.offer_expires_at.isoformat()}"
        await self._add("move_up_offer", offer, recipient, rendered, tx, subject_id)

    async def _link_of(self, registration: RegistrationSnapshot, tx: Tx) -> str | None:
        """The person's personal link (on the event, else their invitation's)."""
        return registration.rsvp_url or await self._invitations.link_of(
            registration.meeting.meeting_id, registration.person_id, tx.session
        )

    async def _recipient_of(self, registration: RegistrationSnapshot, tx: Tx) -> Recipient | None:
        """Whom to write to about a registration (None: nobody, there is no address).

        A person not read from aiq.contacts yet will be soon: the event waits for them
        (``RetryLater``). A walk-in registered at the door may never have a contacts record:
        waiting would hold up every registration behind it on the partition, so it is
        counted and gets no email, at once."""
        recipient = await self._recipients.get(registration.person_id, tx.session)
        if recipient is None and not registration.walk_in:
            raise RetryLater(f"person {registration.person_id} not known here yet")
        return recipient if recipient is not None and recipient.email else None

    async def _standing(
        self, registration: RegistrationSnapshot, known: dict[str, Any] | None, tx: Tx
    ) -> domain.Standing | None:
        """New or long-standing partner: decided once per registration, at its first event
        (so what a cancellation takes away is what the registration added)."""
        if known is not None:
            return known.get("standing")
        if not registration.organisation_id:
            return None
        organisation = await self._organisations.get(registration.organisation_id, tx.session)
        if organisation is None:
            return None
        return domain.partner_standing(
            organisation.get("partner_since"), registration.meeting.starts_at
        )

    async def _titles(self, registration: RegistrationSnapshot, tx: Tx) -> dict[str, str]:
        """The titles of the meeting's topic tables (the meeting's events come on another
        topic: a registration naming tables waits for them)."""
        meeting = await self._meetings.get(registration.meeting.meeting_id, tx.session)
        if meeting is None and (registration.topic_table_ids or registration.table_seats):
            raise RetryLater(f"meeting {registration.meeting.meeting_id} not known here yet")
        return (meeting or {}).get("table_titles", {})
