"""Invitations on real servers: targets and saved segments over the contacts read model, consent,
never twice, the events they put on aiq.events, and publishing with or without inviting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_events_support import (
    all_pages,
    caught_up,
    events_on,
    events_published,
    new_organisation,
    new_person,
    publish_contacts_events,
    wait_for_read_model,
)

from aiq_shared import topics
from aiq_shared.contracts.contacts import (
    ConsentChangedV1,
    OrganisationsMergedV1,
    OrganisationUpdatedV1,
    PersonUpdatedV1,
    SegmentSavedV1,
)
from aiq_shared.targeting import ContactFilter
from helpers import eventually

pytestmark = pytest.mark.integration

MEETING = {
    "title": "Speed-Woche Info",
    "format": "info_session",
    "starts_at": "2027-02-11T16:00:00",
    "ends_at": "2027-02-11T18:00:00",
    "venue": {"name": "Rathaus"},
    "capacity": 50,
    "districts": ["Hörde", "Eving"],
}


async def make(system, name: str, district: str, industry: str, consent: bool = True):
    company = await new_organisation(system, name, district, industry)
    person = await new_person(
        system, name, "Kontakt", email=f"{name.lower()}@betrieb.example",
        organisation_id=company["id"], consent=consent,
    )  # fmt: skip
    return company, person


async def test_targets_segments_consent_and_never_twice(contacts_and_events) -> None:
    system = contacts_and_events
    bau, bau_person = await make(system, "Bau", "Hörde", "Bau")
    handel, handel_person = await make(system, "Einzelhandel", "Hörde", "Einzelhandel")
    eving, eving_person = await make(system, "Eving", "Eving", "Einzelhandel")
    _, without = await make(system, "Ohne", "Hörde", "Einzelhandel", consent=False)
    meeting = (await system.events.post("/events", json=MEETING)).json()
    meeting_id = meeting["id"]
    await eventually(lambda: caught_up(system), timeout=60)
    await wait_for_read_model(system, meeting_id, 3, districts=["Hörde", "Eving"])

    # what contacts says about tags, status and kind reaches the read model, as do segments
    await publish_contacts_events(
        system,
        OrganisationUpdatedV1(
            organisation_id=handel["id"],
            name="Einzelhandel",
            district="Hörde",
            industry="Einzelhandel",
            status="active",
            tags=["asa"],
        ),
        PersonUpdatedV1(
            person_id=eving_person["id"],
            first_name="Eving",
            last_name="Kontakt",
            email="eving@betrieb.example",
            organisation_id=eving["id"],
            district="Eving",
            email_consent=True,
            kind="teacher",
        ),
        SegmentSavedV1(
            segment_id="seg-handel",
            name="Einzelhandel",
            filter=ContactFilter(industries=["Einzelhandel"]),
        ),
    )
    tagged = await wait_for_read_model(system, meeting_id, 1, tags=["asa"])
    assert tagged["items"][0]["person_id"] == handel_person["id"]
    assert tagged["items"][0]["organisation_name"] == "Einzelhandel"
    teachers = await wait_for_read_model(system, meeting_id, 1, person_kinds=["teacher"])
    assert teachers["items"][0]["person_id"] == eving_person["id"]

    async def segment_preview():
        body = (
            await system.events.post(
                f"/events/{meeting_id}/invitations/preview",
                json={"segment_id": "seg-handel", "target": {"districts": ["Hörde"]}},
            )
        ).json()
        return body if body.get("eligible") == 1 else None

    in_segment = await eventually(segment_preview)
    assert in_segment["excluded_no_consent"] == 1  # "Ohne"
    assert in_segment["items"][0]["person_id"] == handel_person["id"]
    unknown = await system.events.post(
        f"/events/{meeting_id}/invitations/preview", json={"segment_id": "nope"}
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"

    # a preview pages; nothing is sent before publication
    paged = (
        await system.events.post(
            f"/events/{meeting_id}/invitations/preview", params={"limit": 2}, json={}
        )
    ).json()
    assert paged["eligible"] == 3 and len(paged["items"]) == 2 and paged["next_cursor"]
    rest = (
        await system.events.post(
            f"/events/{meeting_id}/invitations/preview",
            params={"limit": 2, "cursor": paged["next_cursor"]},
            json={},
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    early = await system.events.post(f"/events/{meeting_id}/invitations", json={})
    assert early.status_code == 409

    # publish without inviting, then invite the segment, then the districts: never twice
    published = await system.events.post(f"/events/{meeting_id}/publish", json={"invite": False})
    assert published.status_code == 200
    assert await all_pages(system.events, f"/events/{meeting_id}/invitations") == []
    first = await system.events.post(
        f"/events/{meeting_id}/invitations", json={"segment_id": "seg-handel"}
    )
    assert first.status_code == 201 and first.json()["invited"] == 2  # Handel and Eving
    second = await system.events.post(f"/events/{meeting_id}/invitations", json={})
    assert second.json()["invited"] == 1 and second.json()["already_invited"] == 2
    invited = await all_pages(system.events, f"/events/{meeting_id}/invitations")
    assert sorted(i["person_id"] for i in invited) == sorted(
        [bau_person["id"], handel_person["id"], eving_person["id"]]
    )
    assert without["id"] not in {i["person_id"] for i in invited}

    # on aiq.events: each campaign's start, then one invitation each, with the personal link
    await eventually(lambda: events_published(system))
    envelopes = await eventually(lambda: _invitation_events(system, meeting_id, 5), timeout=20)
    types = [e.type for e in envelopes]
    assert types == [
        "aiq.invitation_campaign.started.v1",
        "aiq.invitation.created.v1",
        "aiq.invitation.created.v1",
        "aiq.invitation_campaign.started.v1",
        "aiq.invitation.created.v1",
    ]
    started = envelopes[0].contract()
    assert started.total == 2 and started.segment_id == "seg-handel"
    created = [e.contract() for e in envelopes if e.type == "aiq.invitation.created.v1"]
    assert {c.person_id for c in created} == {i["person_id"] for i in invited}
    assert all(c.rsvp_url.startswith("http://127.0.0.1:8002/rsvp/") for c in created)
    assert all(c.expires_at.isoformat().startswith("2027-02-11T18:00") for c in created)

    # organisations merged: people and invitations follow the surviving organisation
    await publish_contacts_events(
        system,
        OrganisationsMergedV1(
            surviving_organisation_id=handel["id"], merged_organisation_id=bau["id"]
        ),
    )

    async def merged() -> bool:
        listed = await all_pages(system.events, f"/events/{meeting_id}/invitations")
        mine = next(i for i in listed if i["person_id"] == bau_person["id"])
        return mine["organisation_id"] == handel["id"]

    await eventually(merged)
    industry = (
        await system.events.post(
            f"/events/{meeting_id}/invitations/preview",
            json={"target": {"industries": ["Bau"], "has_consent": True}},
        )
    ).json()
    assert industry["matched"] == 0  # the merged organisation is gone from targeting

    # a withdrawn consent (e.g. an unsubscribe link) counts at once
    await publish_contacts_events(
        system,
        ConsentChangedV1(
            person_id=eving_person["id"],
            purpose="invitations",
            granted=False,
            source="unsubscribe-link",
            recorded_at=datetime.now(UTC),
        ),
    )

    async def withdrawn():
        body = (
            await system.events.post(
                f"/events/{meeting_id}/invitations/preview",
                json={"target": {"districts": ["Eving"]}},
            )
        ).json()
        return body["excluded_no_consent"] == 1

    await eventually(withdrawn)


async def _invitation_events(system, meeting_id: str, count: int):
    found = [
        e
        for e in await events_on(system, topics.EVENTS, meeting_id)
        if e.type.startswith("aiq.invitation")
    ]
    return found if len(found) == count else None


async def test_publish_by_default_invites_the_meetings_districts(contacts_and_events) -> None:
    system = contacts_and_events
    await make(system, "Hoerde", "Hörde", "Bau")
    await make(system, "Mengede", "Mengede", "Bau")
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await eventually(lambda: caught_up(system), timeout=60)
    await wait_for_read_model(system, meeting["id"], 1)
    started_at = datetime.now(UTC)
    assert (await system.events.post(f"/events/{meeting['id']}/publish")).status_code == 200
    invited = await all_pages(system.events, f"/events/{meeting['id']}/invitations")
    assert [i["district"] for i in invited] == ["Hörde"]
    assert datetime.fromisoformat(invited[0]["created_at"]) >= started_at
