"""Events on ``aiq.contacts``: organisations and people, keyed by their own id."""

from __future__ import annotations

from pydantic import EmailStr

from aiq_shared import topics
from aiq_shared.contracts.base import EventContract


class OrganisationSnapshot(EventContract):
    topic = topics.CONTACTS

    organisation_id: str
    name: str
    industry: str | None = None
    district: str

    def aggregate_key(self) -> str:
        return self.organisation_id


class OrganisationCreatedV1(OrganisationSnapshot):
    event_type = "aiq.organisation.created.v1"


class PersonSnapshot(EventContract):
    """Everything other services may keep about a person (read models, recipients)."""

    topic = topics.CONTACTS

    person_id: str
    first_name: str
    last_name: str
    email: EmailStr | None = None
    organisation_id: str | None = None
    district: str
    email_consent: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def aggregate_key(self) -> str:
        return self.person_id


class PersonCreatedV1(PersonSnapshot):
    event_type = "aiq.person.created.v1"


class PersonUpdatedV1(PersonSnapshot):
    event_type = "aiq.person.updated.v1"
