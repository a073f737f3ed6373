"""People's rules: what every stored person keeps (students keep little), a person's district
and the districts they are visible in, changes, and the events that tell other services about
a person. Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Mapping

from aiq_contacts.consent.rules import INVITATIONS, after_change
from aiq_contacts.consent.schemas import ConsentRecord
from aiq_contacts.fields import validated
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people import memberships
from aiq_contacts.people.memberships import MAIN
from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_shared.contracts.contacts import PersonCreatedV1, PersonUpdatedV1
from aiq_shared.errors import Unprocessable

STUDENT_FIELDS = {"first_name", "kind", "organisation_id", "memberships", "district", "under_16"}
STUDENT_FIELDS |= {"class_level"}
STUDENT_FIELDS |= {"guardian_consent", "language", "tags", "id", "email_consent", "consents"}
STUDENT_FIELDS |= {"districts"}


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


def visible_in(person: Person, organisations: Mapping[str, Organisation]) -> list[str]:
    """The districts a person is visible in: their own, then each organisation's they belong
    to (``organisations``: those of them, by id), in membership order, without repeats."""
    districts = [person.district]
    for membership in person.memberships:
        organisation = organisations.get(membership.organisation_id)
        if organisation is not None:
            districts.append(organisation.district)
    return list(dict.fromkeys(districts))


def new_person(
    person_id: str, data: PersonCreate, district: str, organisation: Organisation | None
) -> Person:
    fields = data.model_dump(exclude={"email_consent", "memberships"})
    named = {f for f in MAIN if f in data.model_fields_set or fields[f] is not None}
    fields = memberships.settle(fields, [], data.memberships, named)
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
    changes = memberships.settle(changes, person.memberships, given, changes)
    if update.email_consent and not (changes.get("email") or person.email):
        raise Unprocessable("email consent needs an email address")
    if "email" in changes and changes["email"] is None and person.consents:
        raise Unprocessable("withdraw the consents before removing the email address")
    return validated(Person, {**person.model_dump(), **changes})


def person_event[E: (PersonCreatedV1, PersonUpdatedV1)](event: type[E], person: Person) -> E:
    return event(
        person_id=person.id,
        first_name=person.first_name,
        last_name=person.last_name or "",
        email=person.email,
        organisation_id=person.organisation_id,
        district=person.district,
        email_consent=person.email_consent,
        kind=person.kind,
        tags=person.tags,
        consents=person.consents,
        language=person.language,
        memberships=memberships.published(person.memberships),
    )
