"""Events on ``aiq.contacts``: organisations, people, consent and segments, keyed by their own id.

Snapshots carry everything another service may keep about a contact; an erasure
(``aiq.person.erased.v1``) obliges every service to forget the person's name and address.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr

from aiq_shared import topics
from aiq_shared.contracts.base import EventContract
from aiq_shared.targeting import ContactFilter

OrganisationKind = Literal["company", "school"]
RelationshipStatus = Literal["new", "active", "dormant", "ended"]
PersonKind = Literal["contact", "teacher", "student"]
ConsentPurpose = Literal["invitations", "newsletter"]


class OrganisationSnapshot(EventContract):
    topic = topics.CONTACTS

    organisation_id: str
    name: str
    industry: str | None = None
    district: str
    kind: OrganisationKind = "company"
    status: RelationshipStatus = "new"
    tags: list[str] = []
    officer: str | None = None  # the responsible Betriebsakquisiteur*in (staff user name)
    partner_since: date | None = None
    size: str | None = None
    postcode: str | None = None

    def aggregate_key(self) -> str:
        return self.organisation_id


class OrganisationCreatedV1(OrganisationSnapshot):
    event_type = "aiq.organisation.created.v1"


class OrganisationUpdatedV1(OrganisationSnapshot):
    event_type = "aiq.organisation.updated.v1"


class OrganisationsMergedV1(EventContract):
    """``merged`` was folded into ``surviving``: its people and history now belong there."""

    event_type = "aiq.organisations.merged.v1"
    topic = topics.CONTACTS

    surviving_organisation_id: str
    merged_organisation_id: str

    def aggregate_key(self) -> str:
        return self.merged_organisation_id


class Membership(BaseModel):
    """A person's place at one organisation (a teacher at a school, an ambassador at a firm)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    organisation_id: str
    role: str | None = None
    position: str | None = None


class PersonSnapshot(EventContract):
    """Everything other services may keep about a person (read models, recipients).

    ``email_consent`` is current consent for the purpose every invitation checks
    (``invitations``); ``consents`` lists every purpose currently consented to.
    """

    topic = topics.CONTACTS

    person_id: str
    first_name: str
    last_name: str
    email: EmailStr | None = None
    organisation_id: str | None = None
    district: str
    email_consent: bool = False
    kind: PersonKind = "contact"
    tags: list[str] = []
    consents: list[ConsentPurpose] = []
    language: str = "de"
    # Added for issue 9: every organisation the person belongs to, with the role there;
    # ``organisation_id`` is the first (main) of them.
    memberships: list[Membership] = []

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def aggregate_key(self) -> str:
        return self.person_id


class PersonCreatedV1(PersonSnapshot):
    event_type = "aiq.person.created.v1"


class PersonUpdatedV1(PersonSnapshot):
    event_type = "aiq.person.updated.v1"


class PersonErasedV1(EventContract):
    """Data subject erasure (Art. 17 DSGVO): every service forgets this person's name and
    address now, keeping only anonymous counts."""

    event_type = "aiq.person.erased.v1"
    topic = topics.CONTACTS

    person_id: str
    erased_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.person_id


class ConsentChangedV1(EventContract):
    """A consent was given or withdrawn, with where it came from and which text was agreed to."""

    event_type = "aiq.consent.changed.v1"
    topic = topics.CONTACTS

    person_id: str
    purpose: ConsentPurpose
    granted: bool
    source: str  # "double-opt-in", "unsubscribe-link", "form", "import", "staff"
    text_version: str | None = None
    recorded_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.person_id


class DoubleOptInRequestedV1(EventContract):
    """Contacts asks notifications to email a confirmation link for a consent (double opt-in);
    the click comes back as ``aiq.consent.confirmed.v1``."""

    event_type = "aiq.double_opt_in.requested.v1"
    topic = topics.CONTACTS

    request_id: str
    person_id: str
    email: EmailStr
    first_name: str
    last_name: str
    district: str
    purpose: ConsentPurpose
    text_version: str
    requested_at: AwareDatetime

    def aggregate_key(self) -> str:
        return self.person_id


class SegmentSavedV1(EventContract):
    """A saved segment (a named, stored contact filter) that invitations can target."""

    event_type = "aiq.segment.saved.v1"
    topic = topics.CONTACTS

    segment_id: str
    name: str
    filter: ContactFilter

    def aggregate_key(self) -> str:
        return self.segment_id


class SegmentDeletedV1(EventContract):
    event_type = "aiq.segment.deleted.v1"
    topic = topics.CONTACTS

    segment_id: str

    def aggregate_key(self) -> str:
        return self.segment_id


class InteractionRecordedV1(EventContract):
    """A note, call, visit (or attendance) was added to an organisation's or person's history.
    The note's text stays in contacts; other services learn that and when it happened."""

    event_type = "aiq.interaction.recorded.v1"
    topic = topics.CONTACTS

    interaction_id: str
    kind: str
    organisation_id: str | None = None
    person_id: str | None = None
    occurred_at: AwareDatetime
    author: str | None = None
    meeting_id: str | None = None

    def aggregate_key(self) -> str:
        return self.organisation_id or self.person_id or self.interaction_id


class FollowUpSnapshot(EventContract):
    topic = topics.CONTACTS

    follow_up_id: str
    kind: str
    title: str
    status: Literal["open", "done"]
    due: date | None = None
    owner: str | None = None
    organisation_id: str | None = None
    person_id: str | None = None
    meeting_id: str | None = None

    def aggregate_key(self) -> str:
        return self.organisation_id or self.person_id or self.follow_up_id


class FollowUpOpenedV1(FollowUpSnapshot):
    event_type = "aiq.follow_up.opened.v1"


class FollowUpDoneV1(FollowUpSnapshot):
    event_type = "aiq.follow_up.done.v1"
