"""What notifications knows of other services' data, read from their events: the people it
may write to and their organisations (``aiq.contacts``), meetings and invitations
(``aiq.events``). Plain Python, no I/O."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from aiq_shared.contracts.contacts import OrganisationSnapshot, PersonSnapshot
from aiq_shared.contracts.meetings import MeetingSnapshot, MeetingSummary
from aiq_shared.dates import in_berlin


class Recipient(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    display_name: str
    email: str | None = None
    district: str
    email_consent: bool = False
    organisation_id: str | None = None  # the main one: its officer signs the emails

    @classmethod
    def from_event(cls, person: PersonSnapshot) -> Recipient:
        return cls(
            id=person.person_id,
            display_name=person.display_name,
            email=person.email,
            district=person.district,
            email_consent=person.email_consent,
            organisation_id=person.organisation_id,
        )

    @property
    def reachable(self) -> bool:
        return bool(self.email) and self.email_consent


class Organisation(BaseModel):
    """An organisation as emails and dashboards need it: who signs for it, since when it is
    a partner."""

    model_config = ConfigDict(extra="ignore")

    id: str
    district: str | None = None
    status: str | None = None
    officer: str | None = None  # the responsible officer (staff user name)
    partner_since: date | None = None

    @classmethod
    def from_event(cls, organisation: OrganisationSnapshot) -> Organisation:
        return cls(
            id=organisation.organisation_id,
            district=organisation.district,
            status=organisation.status,
            officer=organisation.officer,
            partner_since=organisation.partner_since,
        )


class Invitation(BaseModel):
    """Who was invited to which meeting, with their personal links; and whether they said no
    (a decline may arrive before the invitation itself)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str
    person_id: str
    campaign_id: str | None = None
    district: str | None = None
    rsvp_url: str | None = None
    decline_url: str | None = None
    registration_deadline: datetime | None = None
    declined_at: datetime | None = None


def table_titles(meeting: MeetingSnapshot) -> dict[str, str]:
    return {t.topic_table_id: t.title for t in meeting.topic_tables}


def known_meeting(meeting: MeetingSnapshot) -> dict[str, Any]:
    """The meeting as kept here: what emails say of it (its summary, the programme as Berlin
    times, since BSON keeps no naive local time), its status, districts, deadline and the
    titles of its topic tables."""
    summary = MeetingSummary.model_validate(meeting.model_dump()).model_dump()
    summary["agenda"] = [
        {**entry, "starts_at": entry["starts_at"] and in_berlin(entry["starts_at"])}
        for entry in summary["agenda"]
    ]
    return {
        **summary,
        "status": meeting.status,
        "capacity": meeting.capacity,
        "table_titles": table_titles(meeting),
        "districts": meeting.districts,
        "registration_deadline": meeting.registration_deadline,
    }
