"""Every date and datetime the contacts API accepts is stored and comes back as it was answered:
follow-up due dates (from the API and from a meeting's outcome), partner since, a guardian's
consent, interaction times, segment filters (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_contacts_support import publish

from aiq_shared.contracts.meetings import FollowUp, MeetingOutcomeRecordedV1
from helpers import eventually

pytestmark = pytest.mark.integration


async def test_dates_and_datetimes_round_trip(contacts_and_events) -> None:
    system = contacts_and_events
    contacts = system.contacts
    organisation = await contacts.post(
        "/organisations",
        json={"name": "Elektro Westfalen", "district": "Hörde", "partner_since": "2020-10-01"},
    )
    assert organisation.status_code == 201, organisation.text
    oid = organisation.json()["id"]
    assert organisation.json()["partner_since"] == "2020-10-01"
    assert (await contacts.get(f"/organisations/{oid}")).json()["partner_since"] == "2020-10-01"
    school = (
        await contacts.post(
            "/organisations", json={"name": "Schule", "kind": "school", "district": "Hörde"}
        )
    ).json()
    student = {
        "first_name": "Lea",
        "kind": "student",
        "organisation_id": school["id"],
        "under_16": True,
        "guardian_consent": {"given_on": "2026-09-01"},
    }
    lea = await contacts.post("/people", json=student, headers={"Idempotency-Key": "lea"})
    assert lea.status_code == 201, lea.text
    again = await contacts.post("/people", json=student, headers={"Idempotency-Key": "lea"})
    assert again.json() == lea.json()  # the stored first answer, dates and all
    stored = (await contacts.get(f"/people/{lea.json()['id']}")).json()
    assert stored == lea.json() and stored["guardian_consent"]["given_on"] == "2026-09-01"

    # an interaction's time, with more precision than the database keeps and an offset
    noted = await contacts.post(
        f"/organisations/{oid}/interactions",
        json={"kind": "visit", "text": "Besuch", "occurred_at": "2026-11-20T10:00:00.123456+01:00"},
    )
    assert noted.status_code == 201, noted.text
    listed = (await contacts.get(f"/organisations/{oid}/interactions")).json()["items"]
    assert listed == [noted.json()]
    when = datetime.fromisoformat(noted.json()["occurred_at"])
    assert when == datetime(2026, 11, 20, 9, 0, 0, 123000, tzinfo=UTC)
    early = await contacts.post(
        f"/organisations/{oid}/interactions",
        json={"kind": "note", "text": "Gründung", "occurred_at": "1965-04-01T08:00:00Z"},
    )
    assert early.status_code == 201, early.text
    assert (await contacts.get(f"/organisations/{oid}/interactions")).json()["items"][1] == (
        early.json()
    )

    # follow-ups with a due date: from the API and from a meeting's outcome
    made = await contacts.post(
        "/follow-ups",
        json={"kind": "visit", "title": "Besuch", "due": "2027-01-10", "organisation_id": oid},
    )
    assert made.status_code == 201, made.text
    assert made.json()["due"] == "2027-01-10"
    await publish(
        system,
        MeetingOutcomeRecordedV1(
            outcome_id="o-dates",
            meeting_id="m1",
            meeting_title="Netzwerktreffen",
            organisation_id=oid,
            note="Praktika",
            follow_ups=[FollowUp(kind="internship_offer", title="Praktika", due="2026-12-15")],
            recorded_by="m.schneider",
            recorded_at=datetime.now(UTC),
        ),
    )

    async def from_outcome():  # type: ignore[no-untyped-def]
        page = (await contacts.get("/follow-ups", params={"organisation_id": oid})).json()
        return [f for f in page["items"] if f["meeting_id"] == "m1"]

    [outcome_follow_up] = await eventually(from_outcome, timeout=60)
    assert outcome_follow_up["due"] == "2026-12-15"
    listed = await contacts.get("/follow-ups", params={"organisation_id": oid, "sort": "due"})
    assert [f["due"] for f in listed.json()["items"]] == ["2026-12-15", "2027-01-10"]
    done = (await contacts.post(f"/follow-ups/{made.json()['id']}/done")).json()
    assert done["due"] == "2027-01-10"
    # the list's items carry the names of what they are about besides (issue 11's staff app)
    [listed_done] = (await contacts.get("/follow-ups", params={"status": "done"})).json()["items"]
    assert listed_done == {**done, "organisation_name": "Elektro Westfalen", "person_name": None}

    segment = await contacts.post(
        "/segments",
        json={"name": "Alte Partner", "filter": {"partner_since_to": "2021-12-31"}},
    )
    assert segment.status_code == 201, segment.text
    read = (await contacts.get(f"/segments/{segment.json()['id']}")).json()
    assert read == segment.json() and read["filter"]["partner_since_to"] == "2021-12-31"
    export = (await contacts.get(f"/people/{lea.json()['id']}/export")).json()
    assert export["person"]["guardian_consent"]["given_on"] == "2026-09-01"
