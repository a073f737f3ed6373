"""A person at several organisations (a teacher at a school and an ambassador's company), with
a role at each; the first membership is the main one."""

from __future__ import annotations

import pytest

from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people import memberships
from aiq_contacts.people import rules as people
from aiq_contacts.people.memberships import Membership
from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_shared.contracts.contacts import PersonUpdatedV1
from aiq_shared.errors import Unprocessable

SCHOOL = Organisation(id="s", name="Gesamtschule Eving", kind="school", district="Eving")
COMPANY = Organisation(id="c", name="Elektro Westfalen", district="Hörde")
AT_SCHOOL = Membership(organisation_id="s", role="Lehrkraft", position="Studienrätin")
AT_COMPANY = Membership(organisation_id="c", role="Ausbildungsbotschafterin")


def _teacher(**fields) -> Person:  # type: ignore[no-untyped-def]
    data = PersonCreate(first_name="Eva", last_name="Koch", kind="teacher", **fields)
    return people.new_person("p", data, "Eving", SCHOOL)


def test_a_person_belongs_to_several_organisations_the_first_is_the_main_one() -> None:
    teacher = _teacher(memberships=[AT_SCHOOL, AT_COMPANY])
    assert teacher.memberships == [AT_SCHOOL, AT_COMPANY]
    assert (teacher.organisation_id, teacher.role, teacher.position) == (
        "s",
        "Lehrkraft",
        "Studienrätin",
    )


def test_the_main_fields_alone_still_make_one_membership() -> None:
    person = _teacher(organisation_id="s", role="Lehrkraft")
    assert person.memberships == [Membership(organisation_id="s", role="Lehrkraft")]
    alone = people.new_person(
        "p", PersonCreate(first_name="A", last_name="B", role="HR"), "Eving", None
    )
    assert alone.memberships == [] and alone.role == "HR"


def test_the_organisation_named_comes_first() -> None:
    person = _teacher(organisation_id="c", memberships=[AT_SCHOOL, AT_COMPANY])
    assert [m.organisation_id for m in person.memberships] == ["c", "s"]
    added = _teacher(organisation_id="x", memberships=[AT_SCHOOL])
    assert [m.organisation_id for m in added.memberships] == ["x", "s"]


def test_a_change_moves_adds_or_leaves_memberships() -> None:
    teacher = _teacher(memberships=[AT_SCHOOL, AT_COMPANY])
    main_now = people.apply_update(teacher, PersonUpdate(organisation_id="c"))
    assert [m.organisation_id for m in main_now.memberships] == ["c", "s"]
    assert main_now.role == "Ausbildungsbotschafterin"  # the role there
    moved = people.apply_update(teacher, PersonUpdate(organisation_id="s2"))
    assert [m.organisation_id for m in moved.memberships] == ["s2", "c"]
    assert moved.role == "Lehrkraft"  # moved to another school, same role
    retitled = people.apply_update(teacher, PersonUpdate(role="Schulleitung"))
    assert retitled.memberships[0].role == "Schulleitung" and retitled.role == "Schulleitung"
    left = people.apply_update(teacher, PersonUpdate(organisation_id=None))
    assert left.organisation_id == "c" and left.memberships == [AT_COMPANY]
    replaced = people.apply_update(teacher, PersonUpdate(memberships=[AT_COMPANY]))
    assert replaced.organisation_id == "c" and replaced.role == "Ausbildungsbotschafterin"
    none = people.apply_update(teacher, PersonUpdate(memberships=[]))
    assert none.organisation_id is None and none.memberships == []
    untouched = people.apply_update(teacher, PersonUpdate(tags=["mint"]))
    assert untouched.memberships == teacher.memberships


def test_an_organisation_is_named_once() -> None:
    with pytest.raises(Unprocessable):
        _teacher(memberships=[AT_SCHOOL, AT_SCHOOL.model_copy(update={"role": "AG-Leitung"})])


def test_a_person_stored_before_memberships_reads_with_one() -> None:
    stored = {"id": "p", "first_name": "A", "last_name": "B", "district": "Hörde"}
    person = Person.model_validate({**stored, "organisation_id": "c", "role": "HR"})
    assert person.memberships == [Membership(organisation_id="c", role="HR")]
    assert Person.model_validate(stored).memberships == []


def test_a_student_belongs_to_one_school_only() -> None:
    data = PersonCreate(
        first_name="Lea",
        kind="student",
        class_level=9,
        memberships=[Membership(organisation_id="s")],
    )
    assert people.new_person("p", data, "Eving", SCHOOL).organisation_id == "s"
    with pytest.raises(Unprocessable):
        two = data.model_copy(update={"memberships": [Membership(organisation_id="s"), AT_COMPANY]})
        people.new_person("p", two, "Eving", SCHOOL)
    with pytest.raises(Unprocessable) as error:
        with_role = [Membership(organisation_id="s", role="Schülersprecherin")]
        people.new_person("p", data.model_copy(update={"memberships": with_role}), "Eving", SCHOOL)
    assert error.value.extra["fields"] == ["role"]


def test_merging_organisations_moves_memberships_without_doubling_them() -> None:
    assert memberships.moved([AT_SCHOOL, AT_COMPANY], "c", "s2") == [
        AT_SCHOOL,
        AT_COMPANY.model_copy(update={"organisation_id": "s2"}),
    ]
    folded = memberships.moved([Membership(organisation_id="s"), AT_COMPANY], "c", "s")
    assert folded == [Membership(organisation_id="s", role="Ausbildungsbotschafterin")]


def test_memberships_are_published_with_the_person_main_first() -> None:
    event = people.person_event(PersonUpdatedV1, _teacher(memberships=[AT_SCHOOL, AT_COMPANY]))
    assert event.organisation_id == "s"
    assert [(m.organisation_id, m.role) for m in event.memberships] == [
        ("s", "Lehrkraft"),
        ("c", "Ausbildungsbotschafterin"),
    ]
