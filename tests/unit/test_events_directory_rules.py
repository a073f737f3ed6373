"""The contacts read model: every membership, merges, a school's students."""

from __future__ import annotations

from aiq_events.directory import rules
from aiq_events.directory.rules import Participant
from aiq_shared.contracts.contacts import Membership, PersonCreatedV1


def person(pid: str, district: str = "Hörde", **changes) -> Participant:
    base = Participant(
        id=pid,
        display_name=f"Person {pid}",
        district=district,
        organisation_id="o1",
        email=f"{pid}@betrieb.example",
        email_consent=True,
    )
    return base.model_copy(update=changes)


def test_the_read_model_keeps_every_membership_and_follows_a_merge() -> None:
    snapshot = PersonCreatedV1(
        person_id="p1",
        first_name="Lea",
        last_name="Lehrer",
        district="Eving",
        kind="teacher",
        memberships=[
            Membership(organisation_id="school", role="teacher"),
            Membership(organisation_id="firm", role="ambassador"),
        ],
    )
    lea = rules.from_snapshot(snapshot)
    assert lea.organisation_id == "school"  # the first membership is the main one
    assert lea.organisation_ids == ["school", "firm"]
    merged = rules.merged(lea, "firm", "school")
    assert merged.organisation_ids == ["school"]
    assert [m.role for m in merged.memberships] == ["teacher"]


def test_a_teacher_names_students_of_their_school_who_are_not_registered() -> None:
    teacher = person("t", kind="teacher", organisation_id="school")
    pupils = [
        person("s1", kind="student", organisation_id="school", last_name="B"),
        person("s2", kind="student", organisation_id="other"),
        person("s3", kind="student", memberships=[Membership(organisation_id="school")]),
        person("s4", kind="student", organisation_id="school", erased=True),
        person("s5", kind="student", organisation_id="school"),
        person("c1", kind="contact", organisation_id="school"),
    ]
    found = rules.students_of(teacher, pupils, taken={"s5"})
    assert [p.id for p in found] == ["s3", "s1"]
