"""Turning a decision to write to someone into a delivery: render the email, record it once.

Every use case that emails (invitations, registrations, a meeting's changes, reminders,
double opt-in) goes through :class:`Correspondence`, inside its own transaction; the sender
(``workers.py``) does the SMTP part later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from aiq_notifications.deliveries import emails
from aiq_notifications.deliveries.repository import (
    DeliveriesRepository,
    DeliveryTalliesRepository,
)
from aiq_notifications.deliveries.rules import (
    DELIVERY,
    Content,
    DeliveryKind,
    RenderedEmail,
    new_delivery,
)
from aiq_notifications.deliveries.send_queue.repository import SendQueueRepository
from aiq_notifications.directory.rules import Recipient
from aiq_notifications.directory.service import KnownMeetings, People
from aiq_notifications.privacy.rules import unsubscribe_token
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.contracts.meetings import MeetingSummary
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.staff import StaffMember

CALENDAR_ENTRY_KEPT = timedelta(minutes=1)  # its DTSTAMP (when it was made) at most this old
CALENDAR_ENTRIES_KEPT_AT_MOST = 64


class Correspondence:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        clock: Clock,
        people: People,
        meetings: KnownMeetings,
        changed: Callable[[], None],
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._people = people
        self._meetings = meetings
        self._changed = changed  # live dashboards count deliveries
        self._deliveries = DeliveriesRepository(database)
        self._queue = SendQueueRepository(database)
        self._tallies = DeliveryTalliesRepository(database)
        self.deliveries_waiting = asyncio.Event()  # wakes the sender
        self._calendar_entries: dict[tuple[str, str], tuple[datetime, str]] = {}

    def link(self, path: str) -> str:
        """A link to a page of this service, as recipients reach it."""
        return f"{self._settings.public_base_url.rstrip('/')}/{path.lstrip('/')}"

    def calendar_entry(self, meeting: MeetingSummary, method: str = "REQUEST") -> str:
        """The meeting's iCalendar entry, the same for each recipient: made once per version
        of the meeting and method within ``CALENDAR_ENTRY_KEPT`` (its time zone part took a
        third of a confirmation's time, inside the consumer's transaction)."""
        now = self._clock.now()
        key = (meeting.model_dump_json(), method)
        kept = self._calendar_entries.get(key)
        if kept is None or now - kept[0] > CALENDAR_ENTRY_KEPT:
            domain = self._settings.message_id_domain
            made = emails.calendar_entry(meeting, domain, method, stamp=now)
            if len(self._calendar_entries) >= CALENDAR_ENTRIES_KEPT_AT_MOST:
                self._calendar_entries.clear()
            kept = self._calendar_entries[key] = (now, made)
        return kept[1]

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
    ) -> RenderedEmail:
        """Every email (but the request for consent itself) carries the recipient's signed
        unsubscribe link (text, HTML, headers); all are signed by the officer responsible for
        the organisation the email is about (``organisation_id``, else the recipient's main
        one), or without one by the first officer of the recipient's district."""
        token = unsubscribe_token(recipient.id, self._settings.link_secret, self._clock.now())
        officer = await self.signer(recipient, organisation_id or recipient.organisation_id, tx)
        return emails.render(
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
            await self._people.organisation(organisation_id, tx) if organisation_id else None
        )
        return self._settings.staff_list.signer(
            organisation.officer if organisation else None, recipient.district
        )

    async def add(
        self,
        kind: DeliveryKind,
        recipient: Recipient,
        meeting_id: str | None,
        subject_id: str,
        rendered: RenderedEmail,
        tx: Tx,
        campaign_id: str | None = None,
    ) -> bool:
        """Record the email unless one of this kind about this subject went to them already
        (visible in the recipient's district and the meeting's: rules.delivery_districts)."""
        assert recipient.email is not None
        meeting_districts = await self._meetings.districts_of(meeting_id, tx) if meeting_id else []
        delivery = new_delivery(
            delivery_id=new_id(),
            kind=kind,
            person_id=recipient.id,
            email=recipient.email,
            district=recipient.district,
            meeting_id=meeting_id,
            meeting_districts=meeting_districts,
            subject_id=subject_id,
            campaign_id=campaign_id,
            message_id_domain=self._settings.message_id_domain,
            now=self._clock.now(),
        )
        content = Content.of(recipient.display_name, rendered)
        created = await self._deliveries.add_once(delivery, content, tx.session)
        if created:  # in the name of who caused it (the event's actor)
            await self._queue.enqueue(delivery.id, delivery.next_attempt_at, tx.session)
            self._tallies.add_up("decided", [delivery], tx)
            tx.audit(DELIVERY, delivery.id, "created", [*changed_fields(None, delivery), "content"])
            tx.after_commit(self.deliveries_waiting.set)
            tx.after_commit(self._changed)
        return created
