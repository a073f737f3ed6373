"""The permission matrix of the events service (issue 11): every route, HTML pages included,
called as anonymous, the officer of Hörde (the world's district), the officer of Eving and
Innenstadt-Nord, a coordinator and an admin, with the exact answer each gets
(tests/permissions.py). Out of her districts an officer finds nothing (404, never 403);
a refused write changes nothing; lists hold nothing of the other district.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest
from permissions import (
    LIST_FOR_EVERYONE,
    READ_IN_DISTRICT,
    ROLES,
    Call,
    Operation,
    check_matrix,
)
from test_events_support import events_fixture
from test_events_world import EVING, HOERDE, World, build, person_id

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

events = events_fixture()

STAFF_HERE = ("officer_here", "coordinator", "admin")  # may act on Hörde's meetings


def in_district(status: int) -> dict[str, int]:
    """Staff of the meeting's district (and coordinators, admins) get ``status``; the other
    district's officer finds nothing, anonymous is asked to sign in."""
    return {**READ_IN_DISTRICT, **{role: status for role in STAFF_HERE}}


def everyone(status: int = 200) -> dict[str, int]:
    return {role: status for role in ROLES}


ADMINS_ONLY = {
    "anonymous": 401,
    "officer_elsewhere": 403,
    "officer_here": 403,
    "coordinator": 403,
    "admin": 200,
}
CREATE_IN_HOERDE = {**in_district(201), "officer_elsewhere": 403}  # not her district


def permitted(role: str) -> bool:
    return role in STAFF_HERE


def only_own_districts(role: str, response: httpx.Response) -> None:
    """A list of meetings: an officer sees only meetings of her districts, the others all."""
    seen = [set(m["districts"]) for m in response.json()["items"]]
    mine = {"officer_here": {HOERDE}, "officer_elsewhere": {EVING, "Innenstadt-Nord"}}.get(role)
    if mine is None:
        assert any(HOERDE in d for d in seen) and any(EVING in d for d in seen), "not all seen"
        return
    assert seen, "her own meetings are missing"
    assert all(d & mine for d in seen), f"a meeting of another district listed for {role}"


def no_people_of_eving(role: str, response: httpx.Response) -> None:
    """People the Hörde officer could invite: none of Eving (a coordinator: Emre too). Hörde's
    five are invited already, so only Emre is left to invite, and only for a coordinator."""
    answer = response.json()
    offered = {p["district"] for p in answer["items"]}
    if role == "officer_here":
        assert (answer["matched"], offered) == (5, set()), f"{answer} for the Hörde officer"
    else:
        assert (answer["matched"], offered) == (6, {EVING}), f"{answer} for {role}"


def nobody_of_eving(_: str, response: httpx.Response) -> None:
    """Invitations, registrations of the Hörde meeting: its people (all of Hörde here)."""
    items = response.json()["items"]
    assert items and all(i["district"] == HOERDE for i in items), "someone of another district"


def operations(world: World) -> list[Operation]:
    here, regs = f"/events/{world.here}", f"/events/{world.here}/registrations"

    def fixed(path: str, **request) -> object:
        async def call(_: World, role: str) -> Call:
            return Call(path, **request)

        return call

    def fresh(make, path: str, **request) -> object:
        """A resource made for the call when the role may use it up (else ``here``'s)."""

        async def call(w: World, role: str) -> Call:
            target = await make(w) if permitted(role) else None
            return Call(path.format(**(target or {"mid": w.here, "rid": w.registration})),
                        **request)  # fmt: skip

        return call

    async def meeting(w: World) -> Mapping[str, str]:
        return {"mid": await w.meeting()}

    async def draft(w: World) -> Mapping[str, str]:
        return {"mid": await w.meeting(published=False)}

    async def registration(w: World) -> Mapping[str, str]:
        mid, rid = await w.fresh_registration()
        return {"mid": mid, "rid": rid}

    async def offer(w: World) -> Mapping[str, str]:
        mid, rid = await w.offer()
        return {"mid": mid, "rid": rid}

    group = {"teacher_person_id": person_id("Lehrerin"),
             "student_person_ids": [person_id("Schueler")]}  # fmt: skip
    walk_in = {"first_name": "Gast", "last_name": "Tür", "district": HOERDE}
    state = World.state
    return [
        Operation("GET", "/health", fixed("/health"), everyone()),
        Operation("GET", "/ready", fixed("/ready"), everyone()),
        Operation("GET", "/metrics", fixed("/metrics"), everyone()),  # public in development
        Operation("GET", "/asyncapi.json", fixed("/asyncapi.json"), everyone()),
        Operation("GET", "/static/pages.css", fixed("/static/pages.css"), everyone()),
        Operation("GET", "/audit", fixed("/audit"), ADMINS_ONLY),
        # meetings
        Operation(
            "POST",
            "/events",
            fixed(
                "/events",
                json={
                    "title": "Neu",
                    "starts_at": "2030-05-01T16:00:00",
                    "ends_at": "2030-05-01T19:00:00",
                    "venue": {"name": "Bürgerhaus"},
                    "capacity": 10,
                    "districts": [HOERDE],
                },
            ),
            CREATE_IN_HOERDE,
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "GET",
            "/events",
            fixed("/events", params={"limit": 200}),
            LIST_FOR_EVERYONE,
            inspect=only_own_districts,
        ),  # fmt: skip
        Operation("GET", "/events/{event_id}", fixed(here), READ_IN_DISTRICT),
        Operation(
            "PATCH",
            "/events/{event_id}",
            fixed(here, json={"organising_officer": "m.schneider"}),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/cancel",
            fresh(meeting, "/events/{mid}/cancel"),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/publish",
            fresh(draft, "/events/{mid}/publish", json={"invite": False}),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        # invitations
        Operation(
            "POST",
            "/events/{event_id}/invitations/preview",
            fixed(f"{here}/invitations/preview", json={"target": {}}),
            in_district(200),
            inspect=no_people_of_eving,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/invitations",
            fixed(f"{here}/invitations", json={}),
            in_district(201),
            snapshot=state,
        ),
        Operation(
            "GET",
            "/events/{event_id}/invitations",
            fixed(f"{here}/invitations"),
            READ_IN_DISTRICT,
            inspect=nobody_of_eving,
        ),
        # registrations
        Operation(
            "POST",
            "/events/{event_id}/registrations",
            fresh(meeting, "/events/{mid}/registrations", json={"person_id": person_id("Bert")}),
            in_district(201),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/group-registrations",
            fresh(meeting, "/events/{mid}/group-registrations", json=group),
            in_district(201),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "GET",
            "/events/{event_id}/registrations",
            fixed(regs),
            READ_IN_DISTRICT,
            inspect=nobody_of_eving,
        ),  # fmt: skip
        Operation(
            "GET",
            "/events/{event_id}/registrations/{registration_id}",
            fixed(f"{regs}/{world.registration}"),
            READ_IN_DISTRICT,
        ),
        Operation(
            "POST",
            "/events/{event_id}/registrations/{registration_id}/cancel",
            fresh(registration, "/events/{mid}/registrations/{rid}/cancel"),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "PUT",
            "/events/{event_id}/registrations/{registration_id}/topic-tables",
            fixed(
                f"{regs}/{world.registration}/topic-tables", json={"topic_table_ids": world.tables}
            ),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/registrations/{registration_id}/accept",
            fresh(offer, "/events/{mid}/registrations/{rid}/accept"),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/table-assignment",
            fixed(f"/events/{world.ranked}/table-assignment"),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        # the day
        Operation(
            "POST",
            "/events/{event_id}/walk-ins",
            fixed(f"{here}/walk-ins", json=walk_in),
            in_district(201),
            snapshot=state,
        ),
        Operation(
            "POST",
            "/events/{event_id}/table-attendance",
            fixed(
                f"{here}/table-attendance",
                json={
                    "registration_id": world.registration,
                    "topic_table_id": world.tables[0],
                },
            ),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/close",
            fresh(meeting, "/events/{mid}/close"),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/check-in",
            fixed(f"{here}/check-in", json={"code": world.code}),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        # after the meeting
        Operation(
            "POST",
            "/events/{event_id}/outcomes",
            fixed(
                f"{here}/outcomes",
                json={"outcomes": [{"person_id": person_id("Anna"), "note": "Praktikum im Mai"}]},
            ),
            in_district(201),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "GET", "/events/{event_id}/outcomes", fixed(f"{here}/outcomes"), READ_IN_DISTRICT
        ),
        Operation("GET", "/events/{event_id}/report", fixed(f"{here}/report"), READ_IN_DISTRICT),
        # the check-in desk (staff) and the pages behind the personal links (public)
        Operation(
            "GET",
            "/events/{event_id}/check-in-desk",
            fixed(f"{here}/check-in-desk"),
            READ_IN_DISTRICT,
        ),
        Operation(
            "POST",
            "/events/{event_id}/check-in-desk",
            fixed(f"{here}/check-in-desk", data={"code": world.code}),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation(
            "POST",
            "/events/{event_id}/check-in-desk/walk-in",
            fixed(f"{here}/check-in-desk/walk-in", data=walk_in),
            in_district(200),
            snapshot=state,
        ),  # fmt: skip
        Operation("GET", "/rsvp/{token}", fixed(world.rsvp_path), everyone()),
        Operation(
            "POST",
            "/rsvp/{token}",
            fixed(world.rsvp_path, data={"action": "change", "table": world.tables[:1]}),
            everyone(),
        ),  # fmt: skip
        Operation("GET", "/rsvp/{token}/absagen", fixed(world.decline_path), everyone()),
        Operation("POST", "/rsvp/{token}/absagen", fixed(world.decline_path), everyone()),
    ]


async def test_every_route_answers_each_role_as_declared(events) -> None:
    world = await build(events)
    settings = events.settings["events"]
    problems = await check_matrix(
        world.client, world.app, settings.auth_secret, world, operations(world)
    )
    assert problems == [], "\n".join(problems)


async def test_a_route_without_a_declaration_fails_the_matrix(events) -> None:
    async def health(_: object, role: str) -> Call:
        return Call("/health")

    only_health = [Operation("GET", "/health", health, everyone())]
    settings = events.settings["events"]
    problems = await check_matrix(
        events.events, events.app, settings.auth_secret, None, only_health
    )
    assert "GET /events/{event_id}/report: no declaration of who may call it" in problems
    assert "GET /rsvp/{token}: no declaration of who may call it" in problems
