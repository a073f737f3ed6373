"""Contacts domain: organisations and people. Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from aiq_contacts.consent import INVITATIONS, ConsentRecord, after_change
from aiq_contacts.memberships import MAIN, MOST, Membership, main_first
from aiq_contacts.memberships import settle as settle_memberships
from aiq_shared.contracts.contacts import (
    ConsentPurpose,
    OrganisationKind,
    PersonKind,
    RelationshipStatus,
)
from aiq_shared.errors import Unprocessable

Name = Field(min_length=1, max_length=200)
OrganisationSize = Literal["1-9", "10-49", "50-249", "250+"]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. de, en, tr")]


def _clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags are trimmed, lower-case, without repeats, in the order given."""
    seen: dict[str, None] = {}
    for tag in tags:
        tag = " ".join(tag.split()).lower()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


Tag = Annotated[str, Field(max_length=60)]
Tags = Annotated[list[Tag], Field(max_length=30), AfterValidator(_clean_tags)]


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


Email = Annotated[EmailStr, AfterValidator(_lower)]
_URL = TypeAdapter(AnyHttpUrl)


def _url(value: str) -> str:
    return str(_URL.validate_python(value if "://" in value else f"https://{value}"))


Website = Annotated[str, Field(max_length=300), AfterValidator(_url)]


def _iso_date(value: object) -> object:
    """Dates are ISO strings (``2020-10-01``), not numbers read as seconds since 1970."""
    if isinstance(value, (int, float, bool)):
        raise ValueError("a date is written as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9 ()/\-]{3,30}$")]


# -- organisations -------------------------------------------------------------------------


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    street: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    city: str | None = Field(default=None, max_length=120)


class OrganisationFields(BaseModel):
    """What staff may set on an organisation (all optional: the PATCH body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganisationKind | None = None
    industry: str | None = Field(
        default=None, max_length=200, description="Branche (GET /industries)"
    )
    size: OrganisationSize | None = None
    address: Address | None = None
    district: str | None = Field(default=None, min_length=1, max_length=80)
    officer: str | None = Field(
        default=None, max_length=120, description="Responsible Betriebsakquisiteur*in"
    )
    partner_since: IsoDate | None = None
    status: RelationshipStatus | None = None
    tags: Tags | None = None
    website: Website | None = None


class OrganisationUpdate(OrganisationFields):
    pass


class OrganisationCreate(OrganisationFields):
    name: str = Name
    kind: OrganisationKind = "company"
    district: str = Field(min_length=1, max_length=80)
    status: RelationshipStatus = "new"
    tags: Tags = []


class Organisation(OrganisationCreate):
    model_config = ConfigDict(extra="ignore")

    id: str
    industry_section: str | None = Field(default=None, description="WZ 2008 section (A-U)")


class PossibleDuplicate(BaseModel):
    id: str
    name: str
    postcode: str | None = None


class OrganisationCreated(Organisation):
    """The new organisation, with organisations that look like the same one (not refused)."""

    possible_duplicates: list[PossibleDuplicate] = []


def _validated[M: BaseModel](model: type[M], data: dict) -> M:
    """A changed record is valid as a whole, or the change is refused clearly."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        raise Unprocessable("the change leaves an invalid record", errors=problems) from error


def require_district(district: str, known: Sequence[str]) -> str:
    if district not in known:
        raise Unprocessable(f"unknown district {district!r}", known_districts=list(known))
    return district


def check_organisation(organisation: OrganisationFields, districts: Sequence[str]) -> None:
    """District and kind; the industry and officer are checked by ``reference.Reference``."""
    if organisation.district is not None:
        require_district(organisation.district, districts)
    if organisation.kind == "school" and organisation.industry is not None:
        raise Unprocessable("a school has no industry (Branche)")


def update_organisation(organisation: Organisation, update: OrganisationUpdate) -> Organisation:
    changes = update.model_dump(exclude_unset=True)
    for required in ("name", "kind", "district", "status", "tags"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be removed")
    return _validated(Organisation, {**organisation.model_dump(), **changes})


def merge_organisations(surviving: Organisation, merged: Organisation) -> Organisation:
    """``surviving`` keeps its values; gaps are filled from ``merged``; tags are united;
    the earlier partnership counts."""
    data = surviving.model_dump()
    for field, value in merged.model_dump().items():
        if data.get(field) is None and value is not None:
            data[field] = value
    data["tags"] = _clean_tags([*surviving.tags, *merged.tags])
    sinces = [d for d in (surviving.partner_since, merged.partner_since) if d is not None]
    data["partner_since"] = min(sinces) if sinces else None
    return Organisation.model_validate(data)


# -- people ----------------------------------------------------------------------------------


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


STUDENT_FIELDS = {"first_name", "kind", "organisation_id", "memberships", "district", "under_16"}
STUDENT_FIELDS |= {"class_level"}
STUDENT_FIELDS |= {"guardian_consent", "language", "tags", "id", "email_consent", "consents"}


def check_person(person: Person, organisation: Organisation | None) -> Person:
    """The rules every stored person keeps, whatever created or changed them."""
    if person.kind == "student":
        kept = {k for k, v in person.model_dump().items() if v not in (None, [], False)}
        extra = sorted(kept - STUDENT_FIELDS)
        if extra:
            raise Unprocessable(
                "for a student keep only first name, school and class level", fields=extra
            )
        if organisation is None or organisation.kind != "school" or len(person.memberships) > 1:
            raise Unprocessable("a student belongs to a school (an organisation of kind school)")
        if person.under_16 and person.guardian_consent is None:
            raise Unprocessable("a student under 16 needs a guardian's consent recorded")
    else:
        if not person.last_name:
            raise Unprocessable("a contact person or teacher needs a last name")
        for field in ("class_level", "under_16", "guardian_consent"):
            if getattr(person, field) is not None:
                raise Unprocessable(f"{field} is for students only")
    if person.email in person.other_emails:
        raise Unprocessable("the primary email is listed again among other emails")
    if person.email_consent and not person.email:
        raise Unprocessable("email consent needs an email address")
    return person


def with_consent(person: Person, change: ConsentRecord) -> Person:
    """The person after a consent record: ``consents`` and ``email_consent`` follow it."""
    consents = after_change(person.consents, change.purpose, change.granted)
    return person.model_copy(
        update={"consents": consents, "email_consent": INVITATIONS in consents}
    )


def person_district(requested: str | None, organisation: Organisation | None) -> str:
    """A person belongs to a district: the one given, else their organisation's."""
    if requested:
        return requested
    if organisation is not None:
        return organisation.district
    raise Unprocessable("a person needs a district or an organisation that has one")


def new_person(
    person_id: str, data: PersonCreate, district: str, organisation: Organisation | None
) -> Person:
    fields = data.model_dump(exclude={"email_consent", "memberships"})
    named = {f for f in MAIN if f in data.model_fields_set or fields[f] is not None}
    fields = settle_memberships(fields, [], data.memberships, named)
    person = Person(id=person_id, **{**fields, "district": district})
    return check_person(person, organisation)


def apply_update(person: Person, update: PersonUpdate) -> Person:
    """Change what the update names; ``email_consent`` gives or withdraws the invitations
    consent (the service records it in the consent history)."""
    changes = update.model_dump(exclude_unset=True, exclude={"email_consent"})
    if update.email_consent is not None:
        consents = after_change(person.consents, INVITATIONS, update.email_consent)
        changes |= {"consents": consents, "email_consent": update.email_consent}
    if "first_name" in changes and changes["first_name"] is None:
        raise Unprocessable("first_name cannot be removed")
    for field in ("kind", "language"):
        if field in changes and changes[field] is None:
            raise Unprocessable(f"{field} cannot be removed")
    for field in ("tags", "other_emails", "memberships"):
        if field in changes and changes[field] is None:
            changes[field] = []
    given = (update.memberships or []) if "memberships" in changes else None
    changes = settle_memberships(changes, person.memberships, given, changes)
    if update.email_consent and not (changes.get("email") or person.email):
        raise Unprocessable("email consent needs an email address")
    if "email" in changes and changes["email"] is None and person.consents:
        raise Unprocessable("withdraw the consents before removing the email address")
    return _validated(Person, {**person.model_dump(), **changes})
