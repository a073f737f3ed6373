"""Registrations as notifications sees them: each event counted on its district's dashboard
and turned into the email it calls for (confirmation, waitlist, move-up, topic tables,
cancellation, offers). Each use case is one consumer transaction."""

from __future__ import annotations

from aiq_notifications.dashboards.rules import (
    counted_tables,
    dashboard_increments,
    partner_standing,
)
from aiq_notifications.dashboards.service import Dashboards
from aiq_notifications.deliveries.correspondence import Correspondence
from aiq_notifications.deliveries.rules import DeliveryKind, RenderedEmail, subject
from aiq_notifications.directory.rules import Recipient
from aiq_notifications.directory.service import Invitations, KnownMeetings, People
from aiq_notifications.registrations import rules
from aiq_notifications.registrations.repository import RegistrationsRepository
from aiq_notifications.registrations.rules import Change, KnownRegistration, Standing
from aiq_shared.clock import Clock
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationMoveUpOfferedV1,
    RegistrationPromotedV1,
    RegistrationSnapshot,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.dates import BERLIN
from aiq_shared.kafka import RetryLater
from aiq_shared.mongo import Database, Tx


class Registrations:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        people: People,
        meetings: KnownMeetings,
        invitations: Invitations,
        dashboards: Dashboards,
        correspondence: Correspondence,
    ) -> None:
        self._registrations = RegistrationsRepository(database)
        self._clock = clock
        self._people = people
        self._meetings = meetings
        self._invitations = invitations
        self._dashboards = dashboards
        self._mail = correspondence
        self.repositories = (self._registrations,)

    # -- one use case per event ----------------------------------------------------------
    async def confirmed(self, event: RegistrationConfirmedV1, tx: Tx) -> None:
        await self._count("confirmed", event, tx)
        if (recipient := await self._recipient_of(event, tx)) is not None:
            await self._confirm("confirmation", event, recipient, tx)

    async def promoted(self, event: RegistrationPromotedV1, tx: Tx) -> None:
        await self._count("promoted", event, tx)
        if (recipient := await self._recipient_of(event, tx)) is not None:
            await self._confirm("promotion", event, recipient, tx)

    async def waitlisted(self, event: RegistrationWaitlistedV1, tx: Tx) -> None:
        await self._count("waitlisted", event, tx)
        if (recipient := await self._recipient_of(event, tx)) is None:
            return
        rendered = await self._render(
            "waitlist", event, recipient, tx, waitlist_position=event.waitlist_position
        )
        await self._add("waitlist", event, recipient, rendered, tx)

    async def checked_in(self, event: RegistrationCheckedInV1, tx: Tx) -> None:
        await self._count("checked_in", event, tx)  # counted; no email for it

    async def cancelled(self, event: RegistrationCancelledV1, tx: Tx) -> None:
        """A short confirmation of the cancellation (or the note that an offer lapsed)."""
        await self._count("cancelled", event, tx)
        if (recipient := await self._recipient_of(event, tx)) is None:
            return
        kind = rules.cancellation_kind(event.reason)
        meeting = await self._meetings.get(event.meeting.meeting_id, tx)
        if kind is None or (meeting or {}).get("status") == "cancelled":
            return  # the meeting's cancellation tells everyone itself
        # a confirmed seat had a calendar entry (same UID): withdraw it
        calendar = (
            {"ics": self._mail.calendar_entry(event.meeting, "CANCEL"), "ics_method": "CANCEL"}
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

    async def tables_changed(self, event: RegistrationTablesChangedV1, tx: Tx) -> None:
        """Where the person sits now (the assignment step, a seat come free at a table), or
        their new choice confirmed: once per distinct seating (or choice)."""
        await self._count("tables_changed", event, tx)
        if (recipient := await self._recipient_of(event, tx)) is None:
            return
        kind = rules.tables_kind(event)
        if kind is None:
            return
        rendered = await self._render(
            "tables",
            event,
            recipient,
            tx,
            kind=kind,
            reason=event.reason,
            seating=rules.seating_of(event, await self._titles(event, tx)),
            rsvp_url=await self._link_of(event, tx),
        )
        subject_id = rules.tables_subject(event, kind)
        await self._add(kind, event, recipient, rendered, tx, subject_id)

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

    # -- for the other subjects ----------------------------------------------------------
    async def active(self, meeting_id: str, tx: Tx) -> list[KnownRegistration]:
        """The meeting's registrations holding a seat or waiting for one."""
        return await self._registrations.active(meeting_id, tx.session)

    async def of_meeting(self, meeting_id: str, tx: Tx) -> list[KnownRegistration]:
        return await self._registrations.of_meeting(meeting_id, tx.session)

    # -- the steps -----------------------------------------------------------------------
    async def _count(self, change: Change, registration: RegistrationSnapshot, tx: Tx) -> None:
        """The event on its district's dashboard, and the registration as it stands now
        (recorded and read back as it was in one round trip)."""
        first_standing = await self._first_standing(registration, tx)
        state = rules.registration_state(change, registration.status)
        meeting_id = registration.meeting.meeting_id
        known = await self._registrations.record(
            registration.registration_id,
            meeting_id,
            registration.person_id,
            state,
            registration.check_in_code,
            tx.session,
            first_standing=first_standing,
            tables=counted_tables(state, registration),
        )
        increments = dashboard_increments(
            change,
            registration,
            rules.previous_state(registration),
            self._clock.now().astimezone(BERLIN).date(),
            known.standing if known is not None else first_standing,
            counted=known.tables if known else None,
        )
        await self._dashboards.count(registration.district, meeting_id, increments, tx)

    async def _confirm(
        self, kind: DeliveryKind, event: RegistrationSnapshot, recipient: Recipient, tx: Tx
    ) -> None:
        rendered = await self._render(
            "confirmation",
            event,
            recipient,
            tx,
            kind=kind,
            ics=self._mail.calendar_entry(event.meeting),
            seating=rules.seating_of(event, await self._titles(event, tx)),
            seats=event.seats,
            group_students=event.group_students,
            moved_up=kind == "promotion",
            check_in_code=event.check_in_code,
        )
        await self._add(kind, event, recipient, rendered, tx)

    async def _render(
        self,
        template: str,
        registration: RegistrationSnapshot,
        recipient: Recipient,
        tx: Tx,
        kind: DeliveryKind | None = None,
        **context: object,
    ) -> RenderedEmail:
        """An email about a registration, signed for the organisation it was made for."""
        return await self._mail.render(
            template,
            subject(kind or template, registration.meeting.title),
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
        rendered: RenderedEmail,
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

    async def _link_of(self, registration: RegistrationSnapshot, tx: Tx) -> str | None:
        """The person's personal link (on the event, else their invitation's)."""
        return registration.rsvp_url or await self._invitations.link_of(
            registration.meeting.meeting_id, registration.person_id, tx
        )

    async def _recipient_of(self, registration: RegistrationSnapshot, tx: Tx) -> Recipient | None:
        """Whom to write to about a registration (None: nobody, there is no address).

        A person not read from aiq.contacts yet will be soon: the event waits for them
        (``RetryLater``). A walk-in registered at the door may never have a contacts record:
        waiting would hold up every registration behind it on the partition, so it is
        counted and gets no email, at once."""
        recipient = await self._people.recipient(registration.person_id, tx)
        if recipient is None and not registration.walk_in:
            raise RetryLater(f"person {registration.person_id} not known here yet")
        return recipient if recipient is not None and recipient.email else None

    async def _first_standing(self, registration: RegistrationSnapshot, tx: Tx) -> Standing | None:
        """New or long-standing partner, as a registration's first event decides it (once:
        what a cancellation takes away is what the registration added)."""
        if not registration.organisation_id:
            return None
        organisation = await self._people.organisation(registration.organisation_id, tx)
        if organisation is None:
            return None
        return partner_standing(organisation.partner_since, registration.meeting.starts_at)

    async def _titles(self, registration: RegistrationSnapshot, tx: Tx) -> dict[str, str]:
        """The titles of the meeting's topic tables (the meeting's events come on another
        topic: a registration naming tables waits for them)."""
        meeting = await self._meetings.get(registration.meeting.meeting_id, tx)
        if meeting is None and rules.needs_table_titles(registration):
            raise RetryLater(f"meeting {registration.meeting.meeting_id} not known here yet")
        return (meeting or {}).get("table_titles", {})
