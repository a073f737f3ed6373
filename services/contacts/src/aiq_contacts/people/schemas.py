"""Request and response models of people: contact persons at companies, teachers, students."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, model_validator

from aiq_contacts.fields import Email, IsoDate, Language, Name, Phone, Tags
from aiq_contacts.people.memberships import MOST, Membership, main_first
from aiq_shared.contracts.contacts import ConsentPurpose, PersonKind


class GuardianConsent(BaseModel):
    """A parent's or guardian's consent for a student under 16 (e.g. a signed school form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_on: IsoDate
    source: str = Field(default="form", max_length=60)
    text_version: str | None = Field(default=None, max_length=40)


def _no_empty(value: object) -> object:
    return None if value == "" else value


class PersonFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str | None = Field(default=None, min_length=1, max_length=200)
    last_name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: PersonKind | None = None
    email: Annotated[Email | None, BeforeValidator(_no_empty)] = None
    other_emails: Annotated[list[Email], Field(max_length=10)] | None = None
    phone: Phone | None = None
    organisation_id: str | None = Field(default=None, max_length=64, description="Main one")
    role: str | None = Field(default=None, max_length=120, description="e.g. Ausbildungsleitung")
    position: str | None = Field(default=None, max_length=120, description="Job title")
    memberships: list[Membership] | None = Field(
        default=None, max_length=MOST, description="Every organisation, the main one first"
    )
    district: str | None = Field(
        default=None, max_length=80, description="Defaults to the organisation's district"
    )
    language: Language | None = None
    tags: Tags | None = None
    class_level: int | None = Field(default=None, ge=1, le=13, description="Students only")
    under_16: bool | None = Field(default=None, description="Students only")
    guardian_consent: GuardianConsent | None = None
    email_consent: bool | None = Field(
        default=None,
        description="Shorthand: invitations consent given (true) or withdrawn (false) by staff",
    )


class PersonCreate(PersonFields):
    first_name: str = Name
    kind: PersonKind = "contact"
    language: Language = "de"
    tags: Tags = []
    other_emails: Annotated[list[Email], Field(max_length=10)] = []
    email_consent: bool = False


class PersonUpdate(PersonFields):
    pass


class Person(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: PersonKind = "contact"
    first_name: str
    last_name: str | None = None
    email: EmailStr | None = None
    other_emails: list[EmailStr] = []
    phone: str | None = None
    organisation_id: str | None = None
    role: str | None = None
    position: str | None = None
    memberships: list[Membership] = []
    district: str
    districts: list[str] = Field(
        default=[],
        description="Read only: the districts the person is visible in (their own and every "
        "organisation's they belong to)",
    )
    language: str = "de"
    tags: list[str] = []
    class_level: int | None = None
    under_16: bool | None = None
    guardian_consent: GuardianConsent | None = None
    email_consent: bool = Field(default=False, description="Current consent to invitations")
    consents: list[ConsentPurpose] = Field(default=[], description="Purposes consented to now")

    @model_validator(mode="after")
    def _main_first(self) -> Person:
        return main_first(self)

    @property
    def addresses(self) -> list[str]:
        return [str(e) for e in [self.email, *self.other_emails] if e]
