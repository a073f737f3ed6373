"""Whom a target invites (consent, address, never twice, segments), the personal RSVP link
(old links keep working), how an invitee answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from aiq_events.directory.rules import Participant
from aiq_events.invitations import links, rules
from aiq_events.invitations.links import PersonalLinks, RsvpClaims
from aiq_events.invitations.schemas import Invitation
from aiq_events.meetings.schemas import Meeting
from aiq_shared.contracts.contacts import Membership
from aiq_shared.links import ExpiredLink, InvalidLink, read_link
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
    chosen = rules.select(
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
    chosen = rules.select(people, ORGS, [industry, hoerde], set())
    assert [p.id for p in chosen.eligible] == ["a", "b"]
    tagged = rules.select(people, ORGS, [ContactFilter(tags=["asa"])], set())
    assert [p.id for p in tagged.eligible] == ["b"]
    students = rules.select(
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
    tagged = rules.select([both], ORGS, [ContactFilter(tags=["asa"])], set())
    assert [p.id for p in tagged.eligible] == ["m"] and tagged.matched == 1
    handel = rules.select([both], ORGS, [ContactFilter(industries=["Handel"])], set())
    assert [p.id for p in handel.eligible] == ["m"]
    only_main = person("n")  # o1 alone: not in o2's industry
    handel_only = [ContactFilter(industries=["Handel"])]
    assert not rules.select([only_main], ORGS, handel_only, set()).eligible


def test_chunks_split_thousands_into_bounded_batches() -> None:
    batches = list(rules.chunks(list(range(1234)), 500))
    assert [len(b) for b in batches] == [500, 500, 234]


def test_the_answer_to_an_invitation_follows_the_registration_then_a_decline() -> None:
    invited = Invitation(
        id="i1", meeting_id="m1", campaign_id="c1", person_id="p1", display_name="P",
        district="Hörde", created_at=NOW, expires_at=END,
    )  # fmt: skip
    declined = invited.model_copy(update={"declined_at": NOW})
    assert rules.response_of(invited, None) == "open"
    assert rules.response_of(invited, "cancelled") == "cancelled"
    assert rules.response_of(declined, None) == "declined"
    assert rules.response_of(declined, "cancelled") == "declined"
    assert rules.response_of(declined, "confirmed") == "confirmed"  # changed their mind


def invited(invitation_id: str = "inv1", expires_at: datetime = END) -> Invitation:
    return Invitation(
        id=invitation_id, meeting_id="m1", campaign_id="c1", person_id="p1", display_name="P",
        district="Hörde", created_at=NOW, expires_at=expires_at,
    )  # fmt: skip


def test_an_rsvp_token_carries_invitation_and_meeting_and_expires_with_the_meeting() -> None:
    token = PersonalLinks("https://aiq.example", SECRET).token(invited())
    claims, expires = read_link(token, "rsvp", RsvpClaims, SECRET, now=NOW)
    assert (claims.invitation_id, claims.meeting_id, expires) == ("inv1", "m1", END)
    with pytest.raises(ExpiredLink):
        read_link(token, "rsvp", RsvpClaims, SECRET, now=END + timedelta(seconds=1))
    past = PersonalLinks("https://aiq.example", SECRET).token(
        invited(expires_at=NOW - timedelta(days=1))
    )
    with pytest.raises(ExpiredLink):
        read_link(past, "rsvp", RsvpClaims, SECRET)
    # a caller that knows better (the meeting was moved later) checks the expiry itself
    assert PersonalLinks("https://aiq.example", SECRET).read(past)[0].invitation_id == "inv1"


def test_forged_or_foreign_tokens_are_refused() -> None:
    token = PersonalLinks("https://aiq.example", SECRET).token(invited())
    with pytest.raises(InvalidLink):
        PersonalLinks("https://aiq.example", "another-secret-of-at-least-32-bytes-length").read(
            token
        )
    with pytest.raises(InvalidLink):
        PersonalLinks("https://aiq.example", SECRET).read(token[:-3] + "abc")
    unsubscribe = jwt.encode(
        {"sub": "inv1", "mid": "m1", "purpose": "unsubscribe", "exp": END}, SECRET, "HS256"
    )
    with pytest.raises(InvalidLink):
        PersonalLinks("https://aiq.example", SECRET).read(unsubscribe)
    with pytest.raises(InvalidLink):
        PersonalLinks("https://aiq.example", SECRET).read("not-a-token")
    assert not isinstance(InvalidLink("x"), ExpiredLink)


def test_rsvp_url_is_under_the_public_base() -> None:
    assert links.rsvp_url("https://aiq.example/", "tok") == "https://aiq.example/rsvp/tok"
    link = links.rsvp_url("https://aiq.example/", "tok")
    assert links.decline_url(link) == "https://aiq.example/rsvp/tok/absagen"


def test_links_already_sent_keep_working_and_new_ones_are_the_same_tokens() -> None:
    """A link in an email sent before aiq_shared.links: its claims are ``sub`` (invitation),
    ``mid`` (meeting), ``purpose``, ``iat`` and ``exp``, signed with the link secret."""
    sent = jwt.encode(
        {"sub": "inv1", "mid": "m1", "purpose": "rsvp", "iat": NOW, "exp": END},
        SECRET,
        algorithm="HS256",
    )
    personal = PersonalLinks("https://aiq.example/", SECRET)
    claims, expires = personal.read(sent)
    assert (claims.invitation_id, claims.meeting_id, expires) == ("inv1", "m1", END)
    assert personal.token(invited()) == sent  # the same invitation signs the same link
    assert personal.rsvp_url(invited()) == f"https://aiq.example/rsvp/{sent}"
    assert personal.decline_url(invited()) == f"https://aiq.example/rsvp/{sent}/absagen"
    assert personal.rsvp_path(invited()) == f"/rsvp/{sent}"
    assert personal.decline_path(invited()) == f"/rsvp/{sent}/absagen"


def test_a_link_opens_its_invitation_until_the_meeting_ends_not_for_an_erased_person() -> None:
    meeting = Meeting(
        id="m1", title="T", starts_at=datetime(2026, 3, 19, 16), ends_at=END,
        venue={"name": "V"}, capacity=5, districts=["Hörde"], topic_tables=[],
    )  # fmt: skip
    assert rules.check_link(invited(), meeting, END, NOW, person_erased=False)[0].id == "inv1"
    with pytest.raises(ExpiredLink):
        rules.check_link(invited(), meeting, END, END, person_erased=False)
    moved = meeting.model_copy(update={"ends_at": END + timedelta(days=7)})
    assert rules.check_link(invited(), moved, END, END, person_erased=False)  # moved later
    for invitation, of_meeting in ((None, meeting), (invited(), None)):
        with pytest.raises(InvalidLink):
            rules.check_link(invitation, of_meeting, END, NOW, person_erased=False)
    other = meeting.model_copy(update={"id": "m2"})
    with pytest.raises(InvalidLink):
        rules.check_link(invited(), other, END, NOW, person_erased=False)
    with pytest.raises(InvalidLink):
        rules.check_link(invited(), meeting, END, NOW, person_erased=True)


def test_a_link_stops_once_its_meeting_is_closed_even_before_its_end() -> None:
    """Its purpose is spent: there is nothing left to register for, change or decline."""
    meeting = Meeting(
        id="m1", title="T", starts_at=datetime(2026, 3, 19, 16), ends_at=END,
        venue={"name": "V"}, capacity=5, districts=["Hörde"], topic_tables=[], status="closed",
    )  # fmt: skip
    with pytest.raises(ExpiredLink):
        rules.check_link(invited(), meeting, END, NOW, person_erased=False)


def test_the_claims_of_a_link_are_typed_before_they_reach_a_query() -> None:
    """A genuine signature around claims that are no ids of ours (an operator, a list, an
    endless string) is no link: it never reaches a query."""
    personal = PersonalLinks("https://aiq.example/", SECRET)
    for forged in ({"$ne": None}, ["inv1"], "inv1' || '1", "x" * 65):
        token = jwt.encode(
            {"sub": forged, "mid": "m1", "purpose": "rsvp", "iat": NOW, "exp": END},
            SECRET,
            algorithm="HS256",
        )
        with pytest.raises(InvalidLink):
            personal.read(token)
    unsubscribe = jwt.encode(
        {"sub": "inv1", "mid": "m1", "purpose": "unsubscribe", "exp": END}, SECRET, "HS256"
    )
    with pytest.raises(InvalidLink):
        personal.read(unsubscribe)  # single-purpose: another purpose's link opens nothing here
