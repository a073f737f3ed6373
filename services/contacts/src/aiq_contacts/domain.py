"""Contacts domain: organisations and people. Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from aiq_shared.errors import Unprocessable

Name = Field(min_length=1, max_length=200)


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Name
    industry: str | None = Field(default=None, max_length=120)
    district: str = Field(min_length=1, max_length=80)


class Organisation(OrganisationCreate):
    model_config = ConfigDict(extra="ignore")

    id: str


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str = Name
    last_name: str = Name
    email: EmailStr | None = None
    organisation_id: str | None = Field(default=None, max_length=64)
    district: str | None = Field(
        default=None, max_length=80, description="Defaults to the organisation's district"
    )
    email_consent: bool = False

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class PersonUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str | None = Field(default=None, min_length=1, max_length=200)
    last_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = None
    district: str | None = Field(default=None, max_length=80)
    email_consent: bool | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class Person(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    first_name: str
    last_name: str
    email: EmailStr | None = None
    organisation_id: str | None = None
    district: str
    email_consent: bool = False


def require_district(district: str, known: Sequence[str]) -> str:
    if district not in known:
        raise Unprocessable(f"unknown district {district!r}", known_districts=list(known))
    return district


def person_district(requested: str | None, organisation: Organisation | None) -> str:
    """A person belongs to a district: the one given, else their organisation's."""
    if requested:
        return requested
    if organisation is not None:
        return organisation.district
    raise Unprocessable("a person needs a district or an organisation that has one")


def apply_update(person: Person, update: PersonUpdate) -> Person:
    changes = update.model_dump(exclude_unset=True)
    if changes.get("email_consent") and not (changes.get("email") or person.email):
        raise Unprocessable("email consent needs an email address")
    return person.model_copy(update=changes)
