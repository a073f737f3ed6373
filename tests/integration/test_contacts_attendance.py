"""Meetings in the contact history on real servers: every state of a registration from
aiq.registrations (registered, waitlisted, moved up, cancelled, checked in, no-show); the
current state is the latest, the timeline keeps each step."""

from __future__ import annotations

import pytest
from test_contacts_support import publish, registration

from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
    RegistrationWaitlistedV1,
)
from helpers import eventually

pytestmark = pytest.mark.integration


def _cancelled(registration_id: str, person: dict, reason: str) -> RegistrationCancelledV1:
    base = registration(RegistrationConfirmedV1, registration_id, person).model_dump()
    return RegistrationCancelledV1(
        **{**base, "status": "cancelled"}, previous_status="confirmed", reason=reason
    )


def _waitlisted(registration_id: str, person: dict) -> RegistrationWaitlistedV1:
    base = registration(RegistrationConfirmedV1, registration_id, person).model_dump()
    return RegistrationWaitlistedV1(**{**base, "status": "waitlisted"}, waitlist_position=1)


async def test_history_follows_every_registration_state(contacts_and_events) -> None:
    system = contacts_and_events
    contacts = system.contacts

    async def person_at(name: str, first: str) -> dict:
        organisation = (
            await contacts.post("/organisations", json={"name": name, "district": "Hörde"})
        ).json()
        return (
            await contacts.post(
                "/people",
                json={
                    "first_name": first,
                    "last_name": "Test",
                    "organisation_id": organisation["id"],
                },
            )
        ).json()

    anna = await person_at("Bäckerei Sonnenschein", "Anna")
    bernd = await person_at("Elektro Westfalen", "Bernd")
    colleague = (
        await contacts.post(
            "/people",
            json={
                "first_name": "Carla",
                "last_name": "Test",
                "organisation_id": bernd["organisation_id"],
            },
        )
    ).json()

    await publish(system, registration(RegistrationConfirmedV1, "r-anna", anna))
    await publish(system, _cancelled("r-anna", anna, "person"))
    await publish(system, _waitlisted("r-bernd", bernd))
    await publish(system, registration(RegistrationPromotedV1, "r-bernd", bernd))
    await publish(system, registration(RegistrationCheckedInV1, "r-bernd", bernd))
    await publish(system, registration(RegistrationConfirmedV1, "r-carla", colleague))
    await publish(system, _cancelled("r-carla", colleague, "staff"))

    async def settled():  # type: ignore[no-untyped-def]
        items = (await contacts.get(f"/people/{colleague['id']}/interactions")).json()["items"]
        return items and items[0]["attendance"] == "cancelled"

    await eventually(settled, timeout=60)

    # the company whose contact cancelled shows it, and the steps that led there
    history = (await contacts.get(f"/organisations/{anna['organisation_id']}/interactions")).json()
    [entry] = history["items"]
    assert entry["attendance"] == "cancelled"
    assert [(s["attendance"], s["reason"]) for s in entry["steps"]] == [
        ("registered", None),
        ("cancelled", "person"),
    ]
    [meeting] = (await contacts.get(f"/organisations/{anna['organisation_id']}/meetings")).json()
    assert (meeting["meeting_id"], meeting["attendance"]) == ("m1", "cancelled")

    # waitlisted, moved up, checked in: the latest counts, every step is kept
    [bernds] = (await contacts.get(f"/people/{bernd['id']}/meetings")).json()
    assert bernds["attendance"] == "checked_in"
    assert [s["attendance"] for s in bernds["people"][0]["steps"]] == [
        "waitlisted",
        "moved_up",
        "checked_in",
    ]
    # an organisation stands where the furthest of its people does
    [company] = (await contacts.get(f"/organisations/{bernd['organisation_id']}/meetings")).json()
    assert company["attendance"] == "checked_in"
    assert {(p["person_id"], p["attendance"]) for p in company["people"]} == {
        (bernd["id"], "checked_in"),
        (colleague["id"], "cancelled"),
    }
    assert (await contacts.get("/organisations/nope/meetings")).status_code == 404
    assert (await contacts.get("/people/nope/meetings")).status_code == 404
