"""The contacts read model: every membership, merges, a school's students."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiq_events.directory import rules
from aiq_events.directory.rules import Participant
from aiq_shared.contracts.contacts import ConsentChangedV1, Membership, PersonCreatedV1
from aiq_shared.errors import Unprocessable


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


def consent(purpose: str, granted: bool) -> ConsentChangedV1:
    return ConsentChangedV1(
        person_id="a", purpose=purpose, granted=granted, source="unsubscribe-link",
        recorded_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )  # fmt: skip


def test_a_consent_counts_at_once_and_the_invitation_consent_is_the_email_consent() -> None:
    anna = person("a", consents=["newsletter"])
    given = rules.with_consent(anna, consent("invitations", True))
    assert given.email_consent and given.consents == ["invitations", "newsletter"]
    withdrawn = rules.with_consent(given, consent("newsletter", False))
    assert withdrawn.consents == ["invitations"] and withdrawn.email_consent


def test_an_erased_person_is_kept_without_a_name_and_is_no_longer_known() -> None:
    gone = rules.erased("a")
    assert gone.erased and {gone.display_name, gone.first_name, gone.district} == {rules.ERASED}
    assert gone.email is None and not gone.invitable
    with pytest.raises(Unprocessable) as unknown:
        rules.known(gone, "a")
    assert unknown.value.extra["reason"] == "unknown_person"
    with pytest.raises(Unprocessable):
        rules.known(None, "b")
    assert rules.known(person("c"), "c").id == "c"
    assert rules.teacher(person("t", kind="teacher")) is not None
    assert rules.teacher(person("c")) is None and rules.teacher(None) is None
