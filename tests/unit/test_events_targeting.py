"""Whom a target invites (consent, address, never twice, segments) and the personal RSVP link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from aiq_events import invitations, people
from aiq_events.invitations import ExpiredLink, InvalidLink
from aiq_events.people import Participant
from aiq_shared.contracts.contacts import Membership, PersonCreatedV1
from aiq_shared.targeting import ContactFilter

SECRET = "a-test-secret-of-at-least-32-bytes-length"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
END = datetime(2026, 3, 19, 18, tzinfo=UTC)


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


ORGS = {
    "o1": {"organisation_id": "o1", "industry": "Handwerk", "status": "active", "tags": []},
    "o2": {"organisation_id": "o2", "industry": "Handel", "status": "new", "tags": ["asa"]},
}


def test_counts_by_district_and_exclusions() -> None:
    people = [
        person("a"),
        person("b", "Eving"),
        person("c", email_consent=False),
        person("d", email=None),
        person("e"),
        person("f", "Mengede"),
        person("g", erased=True),
    ]
    chosen = invitations.select(
        people, ORGS, [ContactFilter(districts=["Hörde", "Eving"])], already_invited={"e"}
    )
    counts = chosen.counts()
    assert [p.id for p in chosen.eligible] == ["a", "b"]
    assert counts.matched == 5
    assert counts.by_district == {"Eving": 1, "Hörde": 1}
    assert (counts.excluded_no_consent, counts.excluded_no_email, counts.already_invited) == (
        1,
        1,
        1,
    )


def test_every_filter_must_match_target_and_segment() -> None:
    people = [person("a"), person("b", organisation_id="o2"), person("c", "Eving")]
    industry = ContactFilter(industries=["Handel", "Handwerk"])
    hoerde = ContactFilter(districts=["Hörde"])
    chosen = invitations.select(people, ORGS, [industry, hoerde], set())
    assert [p.id for p in chosen.eligible] == ["a", "b"]
    tagged = invitations.select(people, ORGS, [ContactFilter(tags=["asa"])], set())
    assert [p.id for p in tagged.eligible] == ["b"]
    students = invitations.select(
        [person("s", kind="student"), person("t", kind="teacher")],
        ORGS,
        [ContactFilter(person_kinds=["teacher"])],
        set(),
    )
    assert [p.id for p in students.eligible] == ["t"]


def test_a_person_in_two_organisations_is_selected_by_either_and_invited_once() -> None:
    both = person(
        "m",
        memberships=[
            Membership(organisation_id="o1", role="teacher"),
            Membership(organisation_id="o2", role="ambassador"),
        ],
    )
    assert both.organisation_ids == ["o1", "o2"]
    tagged = invitations.select([both], ORGS, [ContactFilter(tags=["asa"])], set())
    assert [p.id for p in tagged.eligible] == ["m"] and tagged.matched == 1
    handel = invitations.select([both], ORGS, [ContactFilter(industries=["Handel"])], set())
    assert [p.id for p in handel.eligible] == ["m"]
    only_main = person("n")  # o1 alone: not in o2's industry
    handel_only = [ContactFilter(industries=["Handel"])]
    assert not invitations.select([only_main], ORGS, handel_only, set()).eligible


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
    lea = people.from_snapshot(snapshot)
    assert lea.organisation_id == "school"  # the first membership is the main one
    assert lea.organisation_ids == ["school", "firm"]
    merged = people.merged(lea, "firm", "school")
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
    found = people.students_of(teacher, pupils, taken={"s5"})
    assert [p.id for p in found] == ["s3", "s1"]


def test_chunks_split_thousands_into_bounded_batches() -> None:
    batches = list(invitations.chunks(list(range(1234)), 500))
    assert [len(b) for b in batches] == [500, 500, 234]


def test_an_rsvp_token_carries_invitation_and_meeting_and_expires_with_the_meeting() -> None:
    token = invitations.rsvp_token("inv1", "m1", END, SECRET, NOW)
    claims = invitations.rsvp_claims(token, SECRET, NOW)
    assert (claims.invitation_id, claims.meeting_id, claims.expires_at) == ("inv1", "m1", END)
    with pytest.raises(ExpiredLink):
        invitations.rsvp_claims(token, SECRET, END + timedelta(seconds=1))
    past = invitations.rsvp_token("inv1", "m1", NOW - timedelta(days=1), SECRET, NOW)
    with pytest.raises(ExpiredLink):
        invitations.rsvp_claims(past, SECRET)
    # a caller that knows better (the meeting was moved later) checks the expiry itself
    assert invitations.rsvp_claims(past, SECRET, check_expiry=False).invitation_id == "inv1"


def test_forged_or_foreign_tokens_are_refused() -> None:
    token = invitations.rsvp_token("inv1", "m1", END, SECRET, NOW)
    with pytest.raises(InvalidLink):
        invitations.rsvp_claims(token, "another-secret-of-at-least-32-bytes-length")
    with pytest.raises(InvalidLink):
        invitations.rsvp_claims(token[:-3] + "abc", SECRET)
    unsubscribe = jwt.encode(
        {"sub": "inv1", "mid": "m1", "purpose": "unsubscribe", "exp": END}, SECRET, "HS256"
    )
    with pytest.raises(InvalidLink):
        invitations.rsvp_claims(unsubscribe, SECRET)
    with pytest.raises(InvalidLink):
        invitations.rsvp_claims("not-a-token", SECRET)
    assert not isinstance(InvalidLink("x"), ExpiredLink)


def test_rsvp_url_is_under_the_public_base() -> None:
    assert invitations.rsvp_url("https://aiq.example/", "tok") == "https://aiq.example/rsvp/tok"
    link = invitations.rsvp_url("https://aiq.example/", "tok")
    assert invitations.decline_url(link) == "https://aiq.example/rsvp/tok/absagen"


def test_the_answer_to_an_invitation_follows_the_registration_then_a_decline() -> None:
    invited = invitations.Invitation(
        id="i1", meeting_id="m1", campaign_id="c1", person_id="p1", display_name="P",
        district="Hörde", created_at=NOW, expires_at=END,
    )  # fmt: skip
    declined = invited.model_copy(update={"declined_at": NOW})
    assert invitations.response_of(invited, None) == "open"
    assert invitations.response_of(invited, "cancelled") == "cancelled"
    assert invitations.response_of(declined, None) == "declined"
    assert invitations.response_of(declined, "cancelled") == "declined"
    assert invitations.response_of(declined, "confirmed") == "confirmed"  # changed their mind
