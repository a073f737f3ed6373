"""The contacts API the staff app asked for (issue 12), on real servers, calling as the staff
of tests/permissions.py: follow-ups with names and a district filter, a district's recent
history, running a dry run's file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_contacts_scope import CSV, MovableClock, contacts

from helpers import eventually

pytestmark = pytest.mark.integration


async def test_follow_ups_carry_names_and_take_a_district_within_the_callers(
    settings_for,
) -> None:
    async with contacts(settings_for) as (staff, _):
        here = await staff.made("/organisations", {"name": "Kfz Hörde", "district": "Hörde"})
        there = await staff.made("/organisations", {"name": "Kfz Eving", "district": "Eving"})
        anna = await staff.made(
            "/people", {"first_name": "Anna", "last_name": "Aue", "organisation_id": here["id"]}
        )
        for organisation, person in ((here, anna), (there, None)):
            body = {"kind": "call", "title": "Anrufen", "organisation_id": organisation["id"]}
            await staff.made("/follow-ups", body | {"person_id": person["id"]} if person else body)

        hoerde = (await staff.admin.get("/follow-ups", params={"district": "Hörde"})).json()
        assert [(f["organisation_name"], f["person_name"]) for f in hoerde["items"]] == [
            ("Kfz Hörde", "Anna Aue")
        ]
        both = await staff.admin.get("/follow-ups", params={"district": ["Hörde", "Eving"]})
        assert both.json()["total"] == 2
        # a district not hers narrows to nothing (an empty page, not an error)
        not_hers = await staff.call(
            "officer_here", "GET", "/follow-ups", params={"district": "Eving"}
        )
        assert not_hers.status_code == 200 and not_hers.json() == {
            "items": [],
            "next_cursor": None,
            "total": 0,
        }
        hers = await staff.call("officer_here", "GET", "/follow-ups")
        assert [f["organisation_name"] for f in hers.json()["items"]] == ["Kfz Hörde"]


async def test_a_districts_recent_history_is_newest_first_and_paginated(settings_for) -> None:
    async with contacts(settings_for) as (staff, _):
        here = await staff.made("/organisations", {"name": "Dach Hörde", "district": "Hörde"})
        there = await staff.made("/organisations", {"name": "Dach Eving", "district": "Eving"})
        ben = await staff.made(
            "/people", {"first_name": "Ben", "last_name": "Berg", "organisation_id": here["id"]}
        )
        start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        for day, (organisation, text) in enumerate(
            [(here, "eins"), (there, "zwei"), (here, "drei"), (there, "vier")]
        ):
            await staff.made(
                f"/organisations/{organisation['id']}/interactions",
                {
                    "kind": "note",
                    "text": text,
                    "occurred_at": (start + timedelta(days=day)).isoformat(),
                },
            )
        await staff.made(
            f"/people/{ben['id']}/interactions",
            {
                "kind": "call",
                "text": "fünf",
                "occurred_at": (start + timedelta(days=9)).isoformat(),
            },
        )

        everything = (await staff.admin.get("/interactions")).json()
        assert [i["text"] for i in everything["items"]] == ["fünf", "vier", "drei", "zwei", "eins"]
        assert everything["items"][0]["organisation_name"] == "Dach Hörde"
        assert everything["items"][0]["person_name"] == "Ben Berg"

        first = await staff.admin.get("/interactions", params={"district": "Hörde", "limit": 2})
        page = first.json()
        assert [i["text"] for i in page["items"]] == ["fünf", "drei"] and page["total"] == 3
        rest = await staff.admin.get(
            "/interactions",
            params={"district": "Hörde", "limit": 2, "cursor": page["next_cursor"]},
        )
        assert [i["text"] for i in rest.json()["items"]] == ["eins"]
        oldest = await staff.admin.get(
            "/interactions", params={"sort": "occurred_at", "kind": "call"}
        )
        assert [i["text"] for i in oldest.json()["items"]] == ["fünf"]

        hers = await staff.call("officer_here", "GET", "/interactions")
        assert [i["text"] for i in hers.json()["items"]] == ["fünf", "drei", "eins"]
        his = await staff.call("officer_elsewhere", "GET", "/interactions")
        assert [i["text"] for i in his.json()["items"]] == ["vier", "zwei"]
        not_his = await staff.call(
            "officer_elsewhere", "GET", "/interactions", params={"district": "Hörde"}
        )
        assert not_his.status_code == 200 and not_his.json()["total"] == 0


async def test_a_dry_run_is_run_for_real_once_while_its_file_is_kept(settings_for) -> None:
    clock = MovableClock()
    table = "organisation_name;district;first_name;last_name\nZeche Lauf GmbH;Eving;Lea;Lauf\n"
    async with contacts(settings_for, clock) as (staff, _):

        async def dry_run() -> dict:
            response = await staff.call(
                "coordinator",
                "POST",
                "/imports",
                params={"dry_run": "true"},
                content=table,
                headers=CSV,
            )
            assert response.status_code == 200, response.text
            return response.json()

        dry = await dry_run()
        assert dry["status"] == "done" and dry["runnable_until"]
        assert dry["started_by"] == "k.wagner"
        assert (await staff.admin.get("/organisations", params={"q": "lauf"})).json()["total"] == 0

        ran = await staff.call("coordinator", "POST", f"/imports/{dry['id']}/run")
        assert ran.status_code == 202, ran.text
        job = ran.json()
        assert job["from_dry_run"] == dry["id"] and not job["dry_run"]

        async def finished() -> dict | None:
            current = (await staff.admin.get(f"/imports/{job['id']}")).json()
            return current if current["status"] == "done" else None

        done = await eventually(finished, timeout=60)
        assert done["created_organisations"] == 1 and done["created_people"] == 1
        assert (await staff.admin.get(f"/imports/{dry['id']}")).json()["run_as"] == job["id"]

        again = await staff.call("coordinator", "POST", f"/imports/{dry['id']}/run")
        assert again.status_code == 409, again.text
        not_a_dry_run = await staff.call("coordinator", "POST", f"/imports/{job['id']}/run")
        assert not_a_dry_run.status_code == 422
        unknown = await staff.call("coordinator", "POST", "/imports/nothing/run")
        assert unknown.status_code == 404

        late = await dry_run()
        clock.advance(timedelta(hours=2))
        expired = await staff.call("coordinator", "POST", f"/imports/{late['id']}/run")
        assert expired.status_code == 409, expired.text
        assert (await staff.admin.get("/organisations", params={"q": "lauf"})).json()["total"] == 1
