"""What the events service knows of people, from ``aiq.contacts`` (its read model). Plain Python.

A person may belong to several organisations (a teacher at a school and an ambassador's
company), each with a role there; ``organisation_id`` is the main one, the first of
``memberships``. An erased person is kept as a placeholder without name or address, so that
news of them arriving late cannot bring them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aiq_shared.contracts.contacts import ConsentChangedV1, Membership, PersonSnapshot
from aiq_shared.errors import Unprocessable

ParticipantKind = Literal["contact", "teacher", "student", "guest"]
ERASED = "gelöscht"


class Participant(BaseModel):
    """A person of the contacts read model."""

    model_config = ConfigDict(extra="ignore")

    id: str
    display_name: str
    district: str
    organisation_id: str | None = None
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    kind: ParticipantKind = "contact"
    tags: list[str] = Field(default_factory=list)
    email_consent: bool = False
    consents: list[str] = Field(default_factory=list)
    memberships: list[Membership] = Field(default_factory=list)
    erased: bool = False
    # Where the person is visible to staff: their own district and those of the organisations
    # they belong to (kept up to date when one of them moves).
    districts: list[str] = Field(default_factory=list)

    @property
    def invitable(self) -> bool:
        """Current invitation consent and an address to send to."""
        return self.email_consent and bool(self.email) and not self.erased

    @property
    def organisation_ids(self) -> list[str]:
        """Every organisation the person belongs to, the main one first, none twice."""
        ids = [self.organisation_id, *(m.organisation_id for m in self.memberships)]
        return list(dict.fromkeys(i for i in ids if i))


class Segment(BaseModel):
    """A saved segment of contacts: a named filter (stored as its JSON)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    filter: dict[str, Any]


def from_snapshot(person: PersonSnapshot) -> Participant:
    return Participant(
        id=person.person_id,
        display_name=person.display_name,
        district=person.district,
        organisation_id=person.organisation_id
        or (person.memberships[0].organisation_id if person.memberships else None),
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        kind=person.kind,
        tags=person.tags,
        email_consent=person.email_consent,
        consents=list(person.consents),
        memberships=list(person.memberships),
    )


def with_districts(
    person: Participant, organisations: Mapping[str, Mapping[str, Any]]
) -> Participant:
    """The person with the districts they are visible in: their own, and those of the
    organisations they belong to (as far as the read model knows them)."""
    found = [person.district] + [
        str(organisations[i]["district"])
        for i in person.organisation_ids
        if organisations.get(i, {}).get("district")
    ]
    return person.model_copy(update={"districts": list(dict.fromkeys(d for d in found if d))})


def known(participant: Participant | None, person_id: str) -> Participant:
    """The person, if the read model knows them (and they are not erased)."""
    if participant is None or participant.erased:
        raise Unprocessable(
            f"unknown person {person_id}: create the person in contacts first",
            reason="unknown_person",
        )
    return participant


def erased(person_id: str) -> Participant:
    """What is kept of an erased person: the id, nothing that names them."""
    return Participant(
        id=person_id,
        display_name=ERASED,
        first_name=ERASED,
        last_name=ERASED,
        district=ERASED,
        erased=True,
    )


def with_consent(person: Participant, event: ConsentChangedV1) -> Participant:
    """A consent given or withdrawn (e.g. by an unsubscribe link) counts at once."""
    consents = set(person.consents) - {event.purpose}
    if event.granted:
        consents.add(event.purpose)
    update: dict[str, object] = {"consents": sorted(consents)}
    if event.purpose == "invitations":
        update["email_consent"] = event.granted
    return person.model_copy(update=update)


def merged(person: Participant, merged_id: str, surviving_id: str) -> Participant:
    """The person after organisation ``merged_id`` was folded into ``surviving_id``."""
    memberships: list[Membership] = []
    for membership in person.memberships:
        if membership.organisation_id == merged_id:
            membership = membership.model_copy(update={"organisation_id": surviving_id})
        if all(m.organisation_id != membership.organisation_id for m in memberships):
            memberships.append(membership)
    main = surviving_id if person.organisation_id == merged_id else person.organisation_id
    return person.model_copy(update={"organisation_id": main, "memberships": memberships})


def teacher(person: Participant | None) -> Participant | None:
    """The person, if the read model knows them as a teacher."""
    if person is None or person.erased or person.kind != "teacher":
        return None
    return person


def students_of(
    teacher: Participant, people: Iterable[Participant], taken: set[str]
) -> list[Participant]:
    """Students of the teacher's school (any organisation the teacher belongs to), by name,
    leaving out those registered already (``taken``)."""
    schools = set(teacher.organisation_ids)
    found = [
        p
        for p in people
        if p.kind == "student"
        and not p.erased
        and p.id not in taken
        and schools & set(p.organisation_ids)
    ]
    return sorted(found, key=lambda p: (p.last_name, p.first_name, p.id))


def organisations_of(
    person: Participant, organisations: Mapping[str, Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The read-model organisations of every membership (merged ones are gone)."""
    return [organisations[i] for i in person.organisation_ids if i in organisations]
