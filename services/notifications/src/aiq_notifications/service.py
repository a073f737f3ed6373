"""Notifications use cases: keep recipients, organisations and meetings, tell registrants of a
meeting's changes, unsubscribe, address holds, and the reads behind the API and dashboards.
Registrations are in registrations.py, campaigns in campaigns.py."""

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
from aiq_shared.errors import NotFound
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
        # the programme for reminders; stored as Berlin times (BSON keeps no naive local time)
        summary["agenda"] = [
            {**entry, "starts_at": entry["starts_at"] and messages.in_berlin(entry["starts_at"])}
            for entry in summary["agenda"]
        ]
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
        await self._deliveries.stop(
            meeting.meeting_id,
            ["invitation", "reminder", "day_before"],
            "meeting cancelled",
            tx.session,
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
            stopped=counts["stopped"],
        )
