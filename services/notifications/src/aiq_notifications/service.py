"""Notifications use cases: keep recipients, turn events into deliveries, count for dashboards."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from aiq_notifications import domain, links, messages
from aiq_notifications.correspondence import Correspondence
from aiq_notifications.dashboards import (
    CityOverview,
    DashboardChanges,
    DeliveryCounts,
    DistrictDashboard,
    city_overview,
    meeting_counts,
    meeting_fields,
)
from aiq_notifications.domain import BERLIN, Delivery, DeliveryKind, Recipient
from aiq_notifications.read_models import (
    InvitationsReadModel,
    MeetingsReadModel,
    OrganisationsReadModel,
    RecipientsRepository,
    RegistrationsReadModel,
)
from aiq_notifications.repository import (
    AddressHolds,
    DashboardsRepository,
    DeliveriesRepository,
)
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.contracts.contacts import OrganisationSnapshot, PersonSnapshot
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingChangedV1,
    MeetingSnapshot,
    MeetingSummary,
)
from aiq_shared.contracts.notifications import ConsentWithdrawnV1
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationMoveUpOfferedV1,
    RegistrationSnapshot,
    RegistrationWaitlistedV1,
)
from aiq_shared.errors import NotFound
from aiq_shared.kafka import RetryLater
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, page_of

CHANGED_FIELDS = {
    "title": "Titel",
    "description": "Beschreibung",
    "starts_at": "Beginn",
    "ends_at": "Ende",
    "venue": "Ort",
}


class AddressHold(BaseModel):
    email: str
    hard_bounces: int
    on_hold: bool


class NotificationsService:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        correspondence: Correspondence,
        changes: DashboardChanges,
    ) -> None:
        self._database = database
        self._settings = settings
        self._mail = correspondence
        self._recipients = RecipientsRepository(database)
        self._deliveries = DeliveriesRepository(database)
        self._dashboards = DashboardsRepository(database)
        self._meetings = MeetingsReadModel(database)
        self._registrations = RegistrationsReadModel(database)
        self._invitations = InvitationsReadModel(database)
        self._organisations = OrganisationsReadModel(database)
        self._changes = changes
        self._holds = AddressHolds(database)

    # recipients -----------------------------------------------------------------------
    async def remember_person(self, person: PersonSnapshot, tx: Tx) -> None:
        await self._recipients.upsert(Recipient.from_event(person), tx.session)

    async def remember_organisation(self, organisation: OrganisationSnapshot, tx: Tx) -> None:
        await self._organisations.upsert(
            organisation.organisation_id,
            {
                "district": organisation.district,
                "status": organisation.status,
                "officer": organisation.officer,
                "partner_since": (
                    organisation.partner_since.isoformat() if organisation.partner_since else None
                ),
            },
            tx.session,
        )

    # meetings and invitations ---------------------------------------------------------
    async def remember_meeting(self, meeting: MeetingSnapshot, tx: Tx) -> None:
        summary = MeetingSummary.model_validate(meeting.model_dump()).model_dump()
        await self._meetings.upsert(
            meeting.meeting_id,
            {
                **meeting_fields(meeting),
                **summary,
                "districts": meeting.districts,
                "registration_deadline": meeting.registration_deadline,
            },
            tx.session,
        )
        if meeting.status == "published":
            await self._meetings.published_since(meeting.meeting_id, datetime.now(UTC), tx.session)

    async def meeting_published(self, meeting: MeetingSnapshot, tx: Tx) -> None:
        """Known, with its dashboards; whom to invite the events service decides (campaigns)."""
        await self._describe(meeting, tx)

    async def meeting_changed(self, meeting: MeetingChangedV1, tx: Tx) -> int:
        """Tell everyone registered; confirmed registrants get a calendar update (same UID)."""
        await self._describe(meeting, tx)
        changed = ", ".join(CHANGED_FIELDS.get(name, name) for name in meeting.changed)
        return await self._tell_registrants(
            meeting,
            "change",
            f"{meeting.meeting_id}:{meeting.sequence}",
            messages.subject("change", meeting.title),
            "REQUEST",
            tx,
            changed=changed,
        )

    async def meeting_cancelled(self, meeting: MeetingCancelledV1, tx: Tx) -> int:
        await self._describe(meeting, tx)
        await self._deliveries.cancel_pending(
            meeting.meeting_id, ["invitation", "reminder", "day_before"], tx.session
        )
        return await self._tell_registrants(
            meeting,
            "cancellation",
            meeting.meeting_id,
            messages.subject("cancellation", meeting.title),
            "CANCEL",
            tx,
        )

    async def _describe(self, meeting: MeetingSnapshot, tx: Tx) -> None:
        await self.remember_meeting(meeting, tx)
        tx.after_commit(self._changes.notify)
        for district in meeting.districts:
            await self._dashboards.describe_meeting(
                district, meeting.meeting_id, meeting_fields(meeting), tx.session
            )

    async def _tell_registrants(
        self,
        meeting: MeetingSnapshot,
        kind: DeliveryKind,
        subject_id: str,
        subject: str,
        ics_method: str,
        tx: Tx,
        **context: object,
    ) -> int:
        summary = MeetingSummary.model_validate(meeting.model_dump())
        told = 0
        for registration in await self._registrations.active(meeting.meeting_id, tx.session):
            recipient = await self._recipients.get(registration["person_id"], tx.session)
            if recipient is None or not recipient.email:
                continue
            with_calendar = registration["state"] == "confirmed"
            rendered = await self._mail.render(
                kind,
                subject,
                ics=(
                    messages.calendar_entry(summary, self._settings.message_id_domain, ics_method)
                    if with_calendar
                    else None
                ),
                ics_method=ics_method,
                recipient=recipient,
                tx=tx,
                meeting=summary,
                with_calendar=with_calendar,
                **context,
            )
            if await self._mail.add(kind, recipient, meeting.meeting_id, subject_id, rendered, tx):
                told += 1
        return told

    # registrations --------------------------------------------------------------------
    async def registration_changed(
        self, change: domain.Change, registration: RegistrationSnapshot, tx: Tx
    ) -> None:
        previous = (
            registration.previous_status
            if isinstance(registration, RegistrationCancelledV1)
            else None
        )
        standing = await self._standing(registration, tx)
        await self._dashboards.count(
            registration.district,
            registration.meeting.meeting_id,
            domain.dashboard_increments(
                change, registration, previous, datetime.now(BERLIN).date(), standing
            ),
            tx.session,
        )
        await self._registrations.record(
            registration.registration_id,
            registration.meeting.meeting_id,
            registration.person_id,
            domain.registration_state(change),
            registration.check_in_code,
            tx.session,
            standing=standing,
        )
        tx.after_commit(self._changes.notify)
        if change in ("cancelled", "checked_in"):
            return  # counted; no email (yet) for these
        recipient = await self._recipients.get(registration.person_id, tx.session)
        if recipient is None:
            raise RetryLater(f"person {registration.person_id} not known here yet")
        if not recipient.email:
            return  # nobody to write to; the registration still counts
        kind: DeliveryKind = domain.registration_kind(change)
        meeting = registration.meeting
        if kind == "waitlist":
            position = (
                registration.waitlist_position
                if isinstance(registration, RegistrationWaitlistedV1)
                else None
            )
            rendered = await self._mail.render(
                "waitlist",
                messages.subject("waitlist", meeting.title),
                recipient=recipient,
                tx=tx,
                organisation_id=registration.organisation_id,
                meeting=meeting,
                waitlist_position=position,
            )
        else:
            titles = await self._table_titles(registration, tx)
            rendered = await self._mail.render(
                "confirmation",
                messages.subject(kind, meeting.title),
                ics=messages.calendar_entry(meeting, self._settings.message_id_domain),
                recipient=recipient,
                tx=tx,
                organisation_id=registration.organisation_id,
                meeting=meeting,
                topic_tables=titles,
                moved_up=kind == "promotion",
                check_in_code=registration.check_in_code,
            )
        await self._mail.add(
            kind, recipient, meeting.meeting_id, registration.registration_id, rendered, tx
        )

    async def move_up_offered(self, offer: RegistrationMoveUpOfferedV1, tx: Tx) -> None:
        """A freed seat is kept for a waitlisted registrant for a while: tell them, with the
        link to accept it (the events service passes it on when the offer expires)."""
        recipient = await self._recipients.get(offer.person_id, tx.session)
        if recipient is None:
            raise RetryLater(f"person {offer.person_id} not known here yet")
        if not recipient.email:
            return
        rendered = await self._mail.render(
            "move_up_offer",
            messages.subject("move_up_offer", offer.meeting.title),
            recipient=recipient,
            tx=tx,
            organisation_id=offer.organisation_id,
            meeting=offer.meeting,
            offer_expires_at=offer.offer_expires_at,
            rsvp_url=offer.rsvp_url
            or await self._invitations.link_of(
                offer.meeting.meeting_id, offer.person_id, tx.session
            ),
        )
        await self._mail.add(
            "move_up_offer",
            recipient,
            offer.meeting.meeting_id,
            f"{offer.registration_id}:{offer.offer_expires_at.isoformat()}",
            rendered,
            tx,
        )

    async def _standing(self, registration: RegistrationSnapshot, tx: Tx) -> domain.Standing | None:
        """New or long-standing partner: decided once per registration, at its first event."""
        known = await self._registrations.get(registration.registration_id, tx.session)
        if known and known.get("standing"):
            return known["standing"]
        if not registration.organisation_id:
            return None
        organisation = await self._organisations.get(registration.organisation_id, tx.session)
        if organisation is None:
            return None
        return domain.partner_standing(
            organisation.get("partner_since"),
            organisation.get("status"),
            registration.meeting.starts_at,
        )

    # unsubscribe ----------------------------------------------------------------------
    def person_of_link(self, token: str) -> str | None:
        try:
            return links.person_of_unsubscribe_token(token, self._settings.link_secret)
        except links.InvalidLink:
            return None

    async def unsubscribe(self, person_id: str) -> None:
        """No more invitations: here at once, and in contacts through an event."""

        async def work(tx: Tx) -> None:
            await self._recipients.withdraw_consent(person_id, tx.session)
            tx.publish(
                ConsentWithdrawnV1(
                    person_id=person_id, purpose="invitations", source="unsubscribe-link"
                )
            )

        await self._database.transaction(work)

    async def _table_titles(self, registration: RegistrationSnapshot, tx: Tx) -> list[str]:
        meeting = await self._meetings.get(registration.meeting.meeting_id, tx.session)
        if meeting is None and registration.topic_table_ids:
            raise RetryLater(f"meeting {registration.meeting.meeting_id} not known here yet")
        titles = (meeting or {}).get("table_titles", {})
        return [titles.get(table, table) for table in registration.topic_table_ids]

    # address holds ----------------------------------------------------------------------
    async def address_holds(self, page: PageParams) -> Page[AddressHold]:
        docs = await self._holds.list(page)
        holds = [
            AddressHold(
                email=d["_id"],
                hard_bounces=d.get("hard_bounces", 0),
                on_hold=domain.on_hold(
                    d.get("hard_bounces", 0), self._settings.hard_bounces_until_hold
                ),
            )
            for d in docs
        ]
        return page_of(holds, page, lambda h: h.email)

    async def lift_hold(self, email: str) -> None:
        if not await self._holds.lift(email.lower()):
            raise NotFound(f"no hold on {email}")

    # reads ----------------------------------------------------------------------------
    async def list_deliveries(
        self,
        page: PageParams,
        meeting_id: str | None = None,
        person_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
    ) -> Page[Delivery]:
        items = await self._deliveries.list(page, meeting_id, person_id, kind, state)
        return page_of(items, page, lambda d: d.id)

    async def district_dashboard(self, district: str, upcoming: bool = False) -> DistrictDashboard:
        docs = await self._dashboards.of_districts([district], self._since(upcoming))
        events = [
            meeting_counts(
                doc,
                await self._delivery_counts(doc["meeting_id"], district),
                datetime.now(BERLIN).date(),
            )
            for doc in docs
        ]
        return DistrictDashboard(district=district, events=events)

    async def city_overview(self, districts: list[str], upcoming: bool = False) -> CityOverview:
        docs = await self._dashboards.of_districts(districts, self._since(upcoming))
        deliveries = {
            meeting_id: await self._delivery_counts(meeting_id, None)
            for meeting_id in {doc["meeting_id"] for doc in docs}
        }
        return city_overview(docs, districts, deliveries, datetime.now(BERLIN).date())

    @staticmethod
    def _since(upcoming: bool) -> datetime | None:
        """Upcoming: from the start of today, Berlin time."""
        if not upcoming:
            return None
        today = datetime.now(BERLIN).replace(hour=0, minute=0, second=0, microsecond=0)
        return today

    async def _delivery_counts(self, meeting_id: str, district: str | None) -> DeliveryCounts:
        counts = await self._deliveries.count_of_meeting(meeting_id, district)
        return DeliveryCounts(
            sent=counts["sent"],
            pending=counts["pending"] + counts["sending"],
            failed=counts["dead"],
        )
