"""What the staff web app asks of the events API (issue 11's gaps), over HTTP on real servers:
``GET /events`` by start day, sorted and paged; publishing names the campaign it started;
registrations found by name (a group's students too) and named by organisation; ``PATCH`` of
everything a meeting has, never taking a seat or a chosen table from anyone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_events_support import events_fixture
from test_events_world import HOERDE, build, person_id, upcoming_meeting

from aiq_shared.auth import issue_token
from helpers import local, upcoming

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

events = events_fixture()


async def test_meetings_are_listed_by_start_day_sorted_and_paged(events) -> None:
    client = events.events
    made = {}
    for days in (50, 30, 40):  # made in another order than they start
        starts, ends = upcoming(days)
        body = {**upcoming_meeting(), "title": f"in {days}", "districts": ["Mengede"],
                "starts_at": local(starts), "ends_at": local(ends)}  # fmt: skip
        answer = await client.post("/events", json=body)
        assert answer.status_code == 201, answer.text
        made[days] = answer.json()["id"]

    async def listed(**params) -> list[str]:
        """Every page of one meeting each, through the cursor."""
        found, cursor = [], None
        while True:
            more = {"cursor": cursor} if cursor else {}
            page = await client.get(
                "/events", params={"district": "Mengede", "limit": 1, **params, **more}
            )
            assert page.status_code == 200, page.text
            found += [m["id"] for m in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if not cursor:
                return found

    assert await listed(sort="starts_at") == [made[30], made[40], made[50]]
    assert await listed(sort="-starts_at") == [made[50], made[40], made[30]]
    assert await listed() == [made[50], made[30], made[40]]  # as made
    day_of = {days: upcoming(days)[0].date() for days in made}
    window = {"from": day_of[40].isoformat(), "to": day_of[50].isoformat()}
    assert await listed(sort="starts_at", **window) == [made[40], made[50]]  # both days in
    only = {"from": day_of[40].isoformat(), "to": day_of[40].isoformat()}
    assert await listed(**only) == [made[40]]
    after = (day_of[50] + timedelta(days=1)).isoformat()
    empty = await client.get("/events", params={"from": after})
    assert empty.status_code == 200 and empty.json()["items"] == []
    for wrong in ({"sort": "title"}, {"to": "0"}, {"from": "2027-02-30"}, {"from": "18.03.2027"}):
        refused = await client.get("/events", params=wrong)
        assert refused.status_code == 422, wrong  # a day is YYYY-MM-DD, not a timestamp


async def test_publishing_answers_the_campaign_it_started(events) -> None:
    world = await build(events)  # ``here`` was published and invited Hörde
    campaigns = events.app.state.runtime.database["invitation_campaigns"]
    (campaign,) = await campaigns.find({"meeting_id": world.here}).to_list()
    draft = await world.meeting(published=False)
    published = await world.client.post(f"/events/{draft}/publish")
    answer = published.json()
    assert published.status_code == 200, published.text
    assert answer["id"] == draft and answer["status"] == "published" and answer["title"]
    assert answer["campaign_id"] and answer["invited"] == 5  # Hörde's five
    stored = await campaigns.find_one({"_id": answer["campaign_id"]})
    assert stored["meeting_id"] == draft and campaign["_id"] != answer["campaign_id"]
    quiet = await world.meeting(published=False)
    unannounced = await world.client.post(f"/events/{quiet}/publish", json={"invite": False})
    assert (unannounced.json()["campaign_id"], unannounced.json()["invited"]) == (None, 0)


async def test_registrations_are_found_by_name_and_named_by_organisation(events) -> None:
    world = await build(events)
    group = {"teacher_person_id": person_id("Lehrerin"),
             "student_person_ids": [person_id("Schuelerin")]}  # fmt: skip
    made = await world.client.post(f"/events/{world.here}/group-registrations", json=group)
    assert made.status_code == 201, made.text
    regs = f"/events/{world.here}/registrations"

    async def found(q: str) -> list[tuple[str, str | None]]:
        answer = await world.client.get(regs, params={"q": q})
        assert answer.status_code == 200, answer.text
        return [(r["display_name"], r["organisation_name"]) for r in answer.json()["items"]]

    assert await found("anna") == [("Anna Beispiel", "Metallbau Hörde")]
    assert await found("SCHUELERIN") == [("Lehrerin Beispiel", "Gesamtschule Hörde")]  # a student
    assert await found("Beispiel") == [
        ("Anna Beispiel", "Metallbau Hörde"),
        ("Lehrerin Beispiel", "Gesamtschule Hörde"),
    ]
    assert await found("nobody") == []
    assert await found(".*") == []  # a name, not a pattern
    one = await world.client.get(f"{regs}/{world.registration}")
    assert one.json()["organisation_name"] == "Metallbau Hörde"


async def test_a_change_of_capacity_and_tables_keeps_every_seat_and_chosen_table(events) -> None:
    world = await build(events)
    client = world.client
    tables = [{"title": "Speed-Woche", "capacity": 1}, {"title": "Schul-AGs", "capacity": 5}]
    meeting = await world.meeting(capacity=1, topic_tables=tables)
    first, second = (await client.get(f"/events/{meeting}")).json()["topic_tables"]
    anna = await world.register(meeting, "Anna", topic_table_ids=[first["id"]])
    bert = await world.register(meeting, "Bert", topic_table_ids=[first["id"]])
    assert (anna["status"], bert["status"]) == ("confirmed", "waitlisted")
    url = f"/events/{meeting}"

    before = (await client.get(url)).json()
    for change, reason in (
        ({"capacity": 0}, None),  # below 1: invalid
        ({"topic_tables": [{"id": second["id"], "title": "Schul-AGs", "capacity": 5}]},
         "table_in_use"),  # Anna's table left out
        ({"topic_tables": [{"id": first["id"], "title": "Speed-Woche", "capacity": 0}]}, None),
        ({"table_selection": "rank"}, "tables_chosen"),
        ({"topic_tables": [{"id": "nope", "title": "X", "capacity": 1}]}, "unknown_table"),
        ({"title": None}, None),
    ):  # fmt: skip
        refused = await client.patch(url, json=change)
        assert refused.status_code in (409, 422), (change, refused.text)
        if reason:
            assert refused.json()["reason"] == reason, refused.text
    assert (await client.get(url)).json() == before  # nothing changed

    more = await client.patch(
        url,
        json={
            "capacity": 2,
            "format": "speed_week",
            "organising_officer": "m.schneider",
            "move_up_offer_hours": 48,
            "agenda": [{"title": "Begrüßung", "kind": "welcome"}],
            "topic_tables": [
                {"id": first["id"], "title": "Speed-Woche kompakt", "capacity": 2},
                {"id": second["id"], "title": "Schul-AGs", "capacity": 5},
                {"title": "Bewerbungstraining", "capacity": 8},
            ],
        },
    )
    assert more.status_code == 200, more.text
    changed = more.json()
    assert (changed["capacity"], changed["format"], changed["move_up_offer_hours"]) == (
        2, "speed_week", 48,
    )  # fmt: skip
    assert [t["title"] for t in changed["topic_tables"]] == [
        "Speed-Woche kompakt", "Schul-AGs", "Bewerbungstraining",
    ]  # fmt: skip
    assert changed["topic_tables"][0]["id"] == first["id"] and changed["topic_tables"][2]["id"]
    moved = (await client.get(f"{url}/registrations/{bert['id']}")).json()
    assert moved["offer_expires_at"], moved  # the larger capacity offers him the seat (48 h)

    below = await client.patch(url, json={"capacity": 1})
    assert below.status_code == 409 and below.json()["reason"] == "capacity_below_seats"
    dropped = await client.patch(
        url,
        json={"topic_tables": [
            {"id": first["id"], "title": "Speed-Woche kompakt", "capacity": 2},
            {"id": second["id"], "title": "Schul-AGs", "capacity": 5},
        ]},
    )  # fmt: skip
    assert dropped.status_code == 200 and len(dropped.json()["topic_tables"]) == 2  # unused


async def test_an_officer_moves_a_meeting_only_within_her_districts(events) -> None:
    world = await build(events)
    settings = events.settings["events"]
    token = issue_token(settings.auth_secret, "m.schneider", "officer", [HOERDE])
    hoerde = {"Authorization": f"Bearer {token}"}
    url = f"/events/{world.here}"
    away = await world.client.patch(url, json={"districts": ["Mengede"]}, headers=hoerde)
    assert away.status_code == 403
    unknown = await world.client.patch(url, json={"districts": ["Atlantis"]})
    assert unknown.status_code == 422
    both = await world.client.patch(url, json={"districts": [HOERDE, "Mengede"]})
    assert both.status_code == 200 and both.json()["districts"] == [HOERDE, "Mengede"]
