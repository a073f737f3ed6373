"""Keeping and reading what notifications knows of other services' data. Each use case is
a step of a consumer's transaction (``tx``); the subjects that write emails ask here whom
they write to, about which meeting, with which personal link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiq_notifications.directory.repository import (
    InvitationsRepository,
    MeetingsRepository,
    OrganisationsRepository,
    RecipientsRepository,
)
from aiq_notifications.directory.rules import (
    Invitation,
    Organisation,
    Recipient,
    known_meeting,
)
from aiq_shared.clock import Clock
from aiq_shared.contracts.contacts import OrganisationSnapshot, PersonSnapshot
from aiq_shared.contracts.invitations import InvitationCreatedV1, InvitationDeclinedV1
from aiq_shared.contracts.meetings import MeetingSnapshot
from aiq_shared.mongo import Database, Tx


class People:
    """Recipients and their organisations (aiq.contacts)."""

    def __init__(self, database: Database) -> None:
        self._recipients = RecipientsRepository(database)
        self._organisations = OrganisationsRepository(database)
        self.repositories = (self._recipients, self._organisations)

    async def remember_person(self, person: PersonSnapshot, tx: Tx) -> None:
        await self._recipients.save(Recipient.from_event(person), tx.session)

    async def remember_organisation(self, organisation: OrganisationSnapshot, tx: Tx) -> None:
        await self._organisations.save(Organisation.from_event(organisation), tx.session)
        tx.forget(("organisation", organisation.organisation_id))

    async def recipient(self, person_id: str, tx: Tx) -> Recipient | None:
        return await self._recipients.get(person_id, tx.session)

    async def organisation(self, organisation_id: str, tx: Tx) -> Organisation | None:
        """Read once per transaction (the dashboard and the email of each record ask)."""
        return await tx.read_once(
            ("organisation", organisation_id),
            lambda: self._organisations.get(organisation_id, tx.session),
        )

    async def withdraw_consent(self, person_id: str, tx: Tx) -> None:
        await self._recipients.update(person_id, {"email_consent": False}, tx.session)

    async def forget(self, person_id: str, tx: Tx) -> Recipient | None:
        """Erasure: the recipient goes; returns what it was (its address, to clear holds)."""
        recipient = await self._recipients.get(person_id, tx.session)
        await self._recipients.delete(person_id, tx.session)
        return recipient


class KnownMeetings:
    """Meetings as their events describe them (aiq.events), and their reminders sent."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._meetings = MeetingsRepository(database)
        self._clock = clock
        self.repositories = (self._meetings,)

    async def remember(self, meeting: MeetingSnapshot, tx: Tx) -> None:
        await self._meetings.upsert(meeting.meeting_id, known_meeting(meeting), tx.session)
        if meeting.status == "published":
            await self._meetings.published_since(meeting.meeting_id, self._clock.now(), tx.session)
        tx.forget(("meeting", meeting.meeting_id))

    async def get(self, meeting_id: str, tx: Tx | None = None) -> dict[str, Any] | None:
        """The meeting's copy; in a transaction read once (the dashboard and the email of
        each record of a run ask), each caller given its own dict."""
        if tx is None:
            return await self._meetings.document(meeting_id, None)
        known = await tx.read_once(
            ("meeting", meeting_id), lambda: self._meetings.document(meeting_id, tx.session)
        )
        return dict(known) if known is not None else None

    async def districts_of(self, meeting_id: str, tx: Tx | None = None) -> list[str]:
        """The meeting's districts (none while it is not known here yet)."""
        return list((await self.get(meeting_id, tx) or {}).get("districts") or [])

    async def upcoming_published(self, now: datetime) -> list[dict[str, Any]]:
        return await self._meetings.upcoming_published(now)

    async def reminded(self, meeting_id: str, kind: str, tx: Tx) -> None:
        await self._meetings.reminded(meeting_id, kind, tx.session)
        tx.forget(("meeting", meeting_id))


class Invitations:
    """Who was invited to what, with the personal links (aiq.events)."""

    def __init__(self, database: Database) -> None:
        self._invitations = InvitationsRepository(database)
        self.repositories = (self._invitations,)

    async def record(self, event: InvitationCreatedV1, district: str, tx: Tx) -> None:
        fields = {
            "meeting_id": event.meeting.meeting_id,
            "campaign_id": event.campaign_id,
            "person_id": event.person_id,
            "district": district,
            "rsvp_url": event.rsvp_url,
            "decline_url": event.decline_url,
            "registration_deadline": event.registration_deadline,
        }
        await self._invitations.record(event.invitation_id, fields, tx.session)

    async def declined(self, event: InvitationDeclinedV1, tx: Tx) -> None:
        fields = {
            "meeting_id": event.meeting_id,
            "person_id": event.person_id,
            "declined_at": event.declined_at,
        }
        await self._invitations.record(event.invitation_id, fields, tx.session)

    async def of_meeting(self, meeting_id: str, tx: Tx) -> list[Invitation]:
        return await self._invitations.of_meeting(meeting_id, tx.session)

    async def link_of(self, meeting_id: str, person_id: str, tx: Tx) -> str | None:
        """The person's personal RSVP link for the meeting, if they were invited."""
        invitation = await self._invitations.of_person(meeting_id, person_id, tx.session)
        return invitation.rsvp_url if invitation else None
