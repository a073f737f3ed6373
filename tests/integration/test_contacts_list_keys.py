"""The people lists at size (issue 12): scope and membership are asked on scalar keys, never
on an array field (the embedded server answers those by testing every person in Python), and
people stored by an earlier version get their keys at start-up."""

from __future__ import annotations

import json

import pytest
from test_contacts_scope import contacts

from aiq_shared.mongo import create_client
from helpers import record_commands

pytestmark = pytest.mark.integration
ARRAY_FIELDS = ('"districts"', '"memberships.organisation_id"')


COMMANDS = record_commands()  # before the fixture's clients are made
READS = ("find", "count", "aggregate")


def filters_of(sent: list) -> list[str]:  # type: ignore[type-arg]
    """The filters of the reads among ``sent``, as JSON."""
    return [
        json.dumps({k: e.command.get(k) for k in ("filter", "query", "pipeline")}, default=str)
        for e in sent
        if e.command_name in READS
    ]


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [item["first_name"] for item in response.json()["items"]]


async def test_lists_ask_scope_and_membership_on_keys_and_find_people_of_several(
    settings_for,
) -> None:
    async with contacts(settings_for) as (staff, _):
        company = await staff.made("/organisations", {"name": "Elektro Süd", "district": "Hörde"})
        school = await staff.made(
            "/organisations",
            {"name": "Schule Nord", "district": "Innenstadt-Nord", "kind": "school"},
        )
        await staff.made(
            "/people",
            {"first_name": "Pia", "last_name": "Pendel", "district": "Eving"}
            | {"organisation_id": company["id"]}
            | {
                "memberships": [
                    {"organisation_id": company["id"]},
                    {"organisation_id": school["id"]},
                ]
            },
        )
        await staff.made(
            "/people", {"first_name": "Hans", "last_name": "Hier", "organisation_id": company["id"]}
        )
        await staff.made(
            "/people", {"first_name": "Nora", "last_name": "Nord", "district": "Scharnhorst"}
        )

        with COMMANDS.recording() as sent:
            here = await staff.call("officer_here", "GET", "/people", params={"sort": "name"})
            there = await staff.call("officer_elsewhere", "GET", "/people")
            at_school = await staff.call("admin", "GET", f"/organisations/{school['id']}/people")
            at_company = await staff.call(
                "officer_here", "GET", f"/organisations/{company['id']}/people"
            )
            schools = await staff.call(
                "admin", "GET", "/people", params={"organisation_kind": "school"}
            )
        assert _names(here) == ["Hans", "Pia"] and here.json()["total"] == 2
        assert _names(there) == ["Pia"]
        assert _names(at_school) == ["Pia"]
        assert sorted(_names(at_company)) == ["Hans", "Pia"]
        assert _names(schools) == ["Pia"]
        filters = filters_of(sent)
        assert filters and not [f for f in filters if any(a in f for a in ARRAY_FIELDS)], filters


async def test_people_stored_without_keys_get_them_at_start_up(settings_for) -> None:
    async with contacts(settings_for) as (staff, settings):
        company = await staff.made("/organisations", {"name": "Bäckerei", "district": "Hörde"})
        ida = await staff.made(
            "/people", {"first_name": "Ida", "last_name": "Iser", "organisation_id": company["id"]}
        )
    client = create_client(settings.mongo_url)
    try:  # as the version before stored her: no keys
        people = client[settings.mongo_db]["people"]
        unset = dict.fromkeys(("districts_key", "districts_many", "organisations_key"), "")
        await people.update_one({"_id": ida["id"]}, {"$unset": unset})
    finally:
        await client.close()
    async with contacts(settings_for) as (staff, _):
        listed = await staff.call("officer_here", "GET", "/people")
        assert _names(listed) == ["Ida"]
        at_company = await staff.call(
            "officer_here", "GET", f"/organisations/{company['id']}/people"
        )
        assert _names(at_company) == ["Ida"]
    client = create_client(settings.mongo_url)
    try:
        stored = await client[settings.mongo_db]["people"].find_one({"_id": ida["id"]})
        assert stored["districts_key"] == "Hörde", stored
        assert stored["organisations_key"] == company["id"]
    finally:
        await client.close()
