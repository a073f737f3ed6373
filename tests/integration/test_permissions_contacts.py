"""The permission matrix of the contacts service (issue 11): every route, called as anonymous,
the Hörde officer (the resources' district), the officer of Eving and Innenstadt-Nord, a
coordinator and an admin, answers exactly as declared here; refused writes change nothing;
lists hold nothing of the other officer's districts. A new route without a line here fails.

The world: an organisation, a person, notes, follow-ups and a segment in Hörde, the same in
Eving, and an import's dry run. Writes that use their resource up (erasure, merging, marking
done, deleting, running a dry run) get a fresh one for every call."""

from __future__ import annotations

import contextlib
import csv
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from permissions import LIST_FOR_EVERYONE, READ_IN_DISTRICT, ROLES, Call, Operation, check_matrix
from permissions import tokens as role_tokens
from pymongo import AsyncMongoClient

from aiq_contacts.app import create_app
from aiq_contacts.settings import ContactsSettings
from helpers import eventually, service_client

pytestmark = pytest.mark.integration

HERE, ELSEWHERE = "Hörde", "Eving"
OFFICER_DISTRICTS = {"officer_here": {"Hörde"}, "officer_elsewhere": {"Eving", "Innenstadt-Nord"}}
CSV = {"Content-Type": "text/csv"}
IMPORT = "organisation_name;district;first_name;last_name\nMatrix Import GmbH;Hörde;Ida;Import\n"


def expect(anonymous=401, elsewhere=404, here=200, coordinator=None, admin=None) -> dict:  # type: ignore[no-untyped-def]
    coordinator = here if coordinator is None else coordinator
    return {
        "anonymous": anonymous,
        "officer_elsewhere": elsewhere,
        "officer_here": here,
        "coordinator": coordinator,
        "admin": coordinator if admin is None else admin,
    }


def coordinators(code: int) -> dict:
    return expect(elsewhere=403, here=403, coordinator=code)


OPEN = dict.fromkeys(ROLES, 200)
ADMINS = expect(elsewhere=403, here=403, coordinator=403, admin=200)


@dataclass
class World:
    admin: httpx.AsyncClient
    settings: ContactsSettings
    ids: dict[str, str] = field(default_factory=dict)
    current: str = ""  # the fresh resource of the call being checked

    def as_role(self, role: str) -> dict[str, str]:
        token = role_tokens(self.settings.auth_secret)[role]
        return {"Authorization": f"Bearer {token}" if token else ""}

    async def post(
        self, path: str, body: Any = None, role: str = "admin", headers: Any = None, **kw: Any
    ) -> dict:
        headers = {**self.as_role(role), **(headers or {})}
        response = await self.admin.post(path, json=body, headers=headers, **kw)
        assert response.status_code < 300, (path, response.text)
        return response.json()

    async def read(self, path: str, **params: Any) -> Any:
        response = await self.admin.get(path, params=params)
        return response.status_code, response.json() if response.status_code == 200 else None

    async def total(self, path: str, **params: Any) -> int:
        return (await self.admin.get(path, params=params)).json()["total"]

    async def organisation(self, district: str = HERE) -> str:
        name = f"Matrix {district} {uuid.uuid4().hex[:6]}"
        return (await self.post("/organisations", {"name": name, "district": district}))["id"]

    async def person(self, organisation_id: str) -> str:
        body = {
            "first_name": "Mia",
            "last_name": "Matrix",
            "organisation_id": organisation_id,
            "email": f"{uuid.uuid4().hex[:8]}@matrix.example",
        }
        return (await self.post("/people", body))["id"]

    async def stored(self, collection: str) -> int:
        client: AsyncMongoClient = AsyncMongoClient(self.settings.mongo_url)
        try:
            return await client[self.settings.mongo_db][collection].count_documents({})
        finally:
            await client.close()


async def build(world: World) -> None:
    ids = world.ids
    for key, district in (("here", HERE), ("elsewhere", ELSEWHERE)):
        ids[f"org_{key}"] = organisation = await world.organisation(district)
        ids[f"person_{key}"] = person = await world.person(organisation)
        note = {"kind": "note", "text": f"Notiz {district}"}
        await world.post(f"/organisations/{organisation}/interactions", note)
        await world.post(f"/people/{person}/interactions", note)
        follow_up = {"kind": "call", "title": "Anrufen", "organisation_id": organisation}
        ids[f"follow_up_{key}"] = (await world.post("/follow-ups", follow_up))["id"]
        officer = "officer_here" if key == "here" else "officer_elsewhere"
        segment = {"name": f"Segment {district}", "filter": {"districts": [district]}}
        ids[f"segment_{key}"] = (await world.post("/segments", segment, role=officer))["id"]
    dry_run = await world.post("/imports", params={"dry_run": "true"}, content=IMPORT, headers=CSV)
    ids["dry_run"] = dry_run["id"]


# -- what a list may hold ------------------------------------------------------------------------


def _check_districts(role: str, districts: list[set[str]]) -> None:
    """Officers see only their districts (and something of them); the others see both."""
    wanted = OFFICER_DISTRICTS.get(role)
    if wanted is None:
        assert any(HERE in d for d in districts) and any(ELSEWHERE in d for d in districts)
        return
    assert districts, "nothing of her own districts"
    stray = [d for d in districts if not d & wanted]
    assert not stray, f"holds items of other districts: {stray}"


def items_in(key: str = "districts"):  # type: ignore[no-untyped-def]
    """A list of both districts' items: officers get only theirs, the others both."""

    def inspect(role: str, response: httpx.Response) -> None:
        items = response.json()["items"]
        _check_districts(role, [_districts(item[key]) for item in items])

    return inspect


def _districts(value: str | list[str]) -> set[str]:
    return set(value) if isinstance(value, list) else {value}


def of_here(role: str, response: httpx.Response) -> None:
    """A Hörde resource's own list (its history, its people): Hörde's items, and some."""
    items = response.json()["items"]
    assert items and all(HERE in item["districts"] for item in items), items


def table_in(column: str):  # type: ignore[no-untyped-def]
    def inspect(role: str, response: httpx.Response) -> None:
        rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
        _check_districts(role, [{row[column]} for row in rows if row[column]])

    return inspect


# -- the calls -----------------------------------------------------------------------------------


def at(template: str, **keys: str):  # type: ignore[no-untyped-def]
    """A call of a path naming resources of the world (``org="org_here"``)."""

    async def call(world: World, role: str) -> Call:
        return Call(template.format(**{k: world.ids[v] for k, v in keys.items()}))

    return call


def with_body(template: str, body: Any, **keys: str):  # type: ignore[no-untyped-def]
    async def call(world: World, role: str) -> Call:
        made = body(role) if callable(body) else body
        return Call(template.format(**{k: world.ids[v] for k, v in keys.items()}), json=made)

    return call


async def fresh_person(world: World, role: str) -> Call:
    world.current = await world.person(world.ids["org_here"])
    return Call(f"/people/{world.current}")


async def fresh_merge(world: World, role: str) -> Call:
    world.current = await world.organisation()
    world.ids["merged"] = await world.organisation()
    return Call(
        f"/organisations/{world.current}/merge",
        json={"merged_organisation_id": world.ids["merged"]},
    )


async def fresh_follow_up(world: World, role: str) -> Call:
    body = {"kind": "call", "title": "Frisch", "organisation_id": world.ids["org_here"]}
    world.current = (await world.post("/follow-ups", body))["id"]
    return Call(f"/follow-ups/{world.current}/done")


async def fresh_segment(world: World, role: str) -> Call:
    body = {"name": "Frisch", "filter": {}}
    world.current = (await world.post("/segments", body, role="officer_here"))["id"]
    return Call(f"/segments/{world.current}")


async def fresh_dry_run(world: World, role: str) -> Call:
    made = await world.post("/imports", params={"dry_run": "true"}, content=IMPORT, headers=CSV)
    world.current = made["id"]
    return Call(f"/imports/{world.current}/run")


async def import_file(world: World, role: str) -> Call:
    # the file is the body itself (httpx takes text as ``data`` too, with a warning)
    return Call("/imports", params={"dry_run": "true"}, headers=CSV, data=IMPORT)  # type: ignore[arg-type]


# -- what must not change ------------------------------------------------------------------------


def reads(template: str, **keys: str):  # type: ignore[no-untyped-def]
    async def snapshot(world: World) -> Any:
        return await world.read(template.format(**{k: world.ids[v] for k, v in keys.items()}))

    return snapshot


def totals(path: str, **params: str):  # type: ignore[no-untyped-def]
    async def snapshot(world: World) -> Any:
        return await world.total(path, **{k: world.ids.get(v, v) for k, v in params.items()})

    return snapshot


async def current_person(world: World) -> Any:
    return await world.read(f"/people/{world.current}")


async def merged_pair(world: World) -> Any:
    return [
        (await world.read(f"/organisations/{world.current}"))[0],
        (await world.read(f"/organisations/{world.ids['merged']}"))[0],
    ]


async def current_segment(world: World) -> Any:
    return await world.read(f"/segments/{world.current}")


async def import_jobs(world: World) -> int:
    return await world.stored("import_jobs")


async def opt_in_requests(world: World) -> Any:
    _, export = await world.read(f"/people/{world.ids['person_here']}/export")
    return export["double_opt_in_requests"]


# -- the matrix ----------------------------------------------------------------------------------

ORG = {"org": "org_here"}
PERSON = {"person": "person_here"}
NOTE = {"kind": "call", "text": "Angerufen"}
SEGMENT_HERE = {"name": "Segment Hörde", "filter": {"districts": [HERE]}}


def new_organisation(role: str) -> dict:
    return {"name": f"Matrixneu {role}", "district": HERE}


def new_person(role: str) -> dict:
    return {"first_name": "Matrixneu", "last_name": role, "email": f"{role}@neu.example"}


def new_follow_up(world_ids: dict[str, str]):  # type: ignore[no-untyped-def]
    return {"kind": "visit", "title": "Besuch", "organisation_id": world_ids["org_here"]}


async def person_call(world: World, role: str) -> Call:
    return Call("/people", json={**new_person(role), "organisation_id": world.ids["org_here"]})


async def follow_up_call(world: World, role: str) -> Call:
    return Call("/follow-ups", json=new_follow_up(world.ids))


TABLE = [
    # operations and documents of the shared app
    Operation("GET", "/health", at("/health"), OPEN),
    Operation("GET", "/ready", at("/ready"), OPEN),
    Operation("GET", "/metrics", at("/metrics"), OPEN),  # METRICS_PUBLIC (default true)
    Operation("GET", "/asyncapi.json", at("/asyncapi.json"), OPEN),  # DOCS_PUBLIC
    Operation("GET", "/audit", at("/audit"), ADMINS),
    # organisations
    Operation(
        "POST",
        "/organisations",
        with_body("/organisations", new_organisation),
        expect(elsewhere=403, here=201),
        snapshot=totals("/organisations", q="Matrixneu"),
    ),
    Operation(
        "GET",
        "/organisations",
        at("/organisations"),
        LIST_FOR_EVERYONE,
        inspect=items_in("district"),
    ),
    Operation(
        "GET",
        "/organisations/export",
        at("/organisations/export"),
        LIST_FOR_EVERYONE,
        inspect=table_in("district"),
    ),
    Operation(
        "GET",
        "/organisations/{organisation_id}",
        at("/organisations/{org}", **ORG),
        READ_IN_DISTRICT,
    ),
    Operation(
        "PATCH",
        "/organisations/{organisation_id}",
        with_body("/organisations/{org}", lambda role: {"tags": [role]}, **ORG),
        expect(),
        snapshot=reads("/organisations/{org}", **ORG),
    ),
    Operation(
        "POST",
        "/organisations/{organisation_id}/merge",
        fresh_merge,
        coordinators(200),
        snapshot=merged_pair,
    ),
    Operation(
        "GET",
        "/organisations/{organisation_id}/people",
        at("/organisations/{org}/people", **ORG),
        READ_IN_DISTRICT,
        inspect=of_here,
    ),
    Operation("GET", "/industries", at("/industries"), LIST_FOR_EVERYONE),
    Operation("GET", "/officers", at("/officers"), LIST_FOR_EVERYONE),
    # people
    Operation(
        "POST",
        "/people",
        person_call,
        expect(elsewhere=422, here=201),  # 422: no organisation of hers by that id
        snapshot=totals("/people", q="Matrixneu"),
    ),
    Operation("GET", "/people", at("/people"), LIST_FOR_EVERYONE, inspect=items_in()),
    Operation(
        "GET",
        "/people/export",
        at("/people/export"),
        LIST_FOR_EVERYONE,
        inspect=table_in("district"),
    ),
    Operation("GET", "/people/{person_id}", at("/people/{person}", **PERSON), READ_IN_DISTRICT),
    Operation(
        "PATCH",
        "/people/{person_id}",
        with_body("/people/{person}", lambda role: {"tags": [role]}, **PERSON),
        expect(),
        snapshot=reads("/people/{person}", **PERSON),
    ),
    Operation(
        "DELETE", "/people/{person_id}", fresh_person, coordinators(200), snapshot=current_person
    ),
    Operation(
        "GET",
        "/people/{person_id}/export",
        at("/people/{person}/export", **PERSON),
        READ_IN_DISTRICT,
    ),
    # consent
    Operation(
        "POST",
        "/people/{person_id}/consents",
        with_body(
            "/people/{person}/consents", {"purpose": "newsletter", "granted": True}, **PERSON
        ),
        expect(here=201),
        snapshot=reads("/people/{person}/consents", **PERSON),
    ),
    Operation(
        "GET",
        "/people/{person_id}/consents",
        at("/people/{person}/consents", **PERSON),
        READ_IN_DISTRICT,
    ),
    Operation(
        "POST",
        "/people/{person_id}/double-opt-in",
        with_body("/people/{person}/double-opt-in", {"purpose": "invitations"}, **PERSON),
        expect(here=202),
        snapshot=opt_in_requests,
    ),
    # history
    Operation(
        "POST",
        "/organisations/{organisation_id}/interactions",
        with_body("/organisations/{org}/interactions", NOTE, **ORG),
        expect(here=201),
        snapshot=reads("/organisations/{org}/interactions", **ORG),
    ),
    Operation(
        "GET",
        "/organisations/{organisation_id}/interactions",
        at("/organisations/{org}/interactions", **ORG),
        READ_IN_DISTRICT,
        inspect=of_here,
    ),
    Operation(
        "POST",
        "/people/{person_id}/interactions",
        with_body("/people/{person}/interactions", NOTE, **PERSON),
        expect(here=201),
        snapshot=reads("/people/{person}/interactions", **PERSON),
    ),
    Operation(
        "GET",
        "/people/{person_id}/interactions",
        at("/people/{person}/interactions", **PERSON),
        READ_IN_DISTRICT,
        inspect=of_here,
    ),
    Operation("GET", "/interactions", at("/interactions"), LIST_FOR_EVERYONE, inspect=items_in()),
    Operation(
        "GET",
        "/organisations/{organisation_id}/meetings",
        at("/organisations/{org}/meetings", **ORG),
        READ_IN_DISTRICT,
    ),
    Operation(
        "GET",
        "/people/{person_id}/meetings",
        at("/people/{person}/meetings", **PERSON),
        READ_IN_DISTRICT,
    ),
    Operation(
        "POST",
        "/follow-ups",
        follow_up_call,
        expect(elsewhere=422, here=201),  # 422: no organisation of hers by that id
        snapshot=totals("/follow-ups", organisation_id="org_here"),
    ),
    Operation("GET", "/follow-ups", at("/follow-ups"), LIST_FOR_EVERYONE, inspect=items_in()),
    Operation(
        "POST",
        "/follow-ups/{follow_up_id}/done",
        fresh_follow_up,
        expect(),
        snapshot=totals("/follow-ups", organisation_id="org_here", status="done"),
    ),
    # segments
    Operation(
        "POST",
        "/segments",
        with_body("/segments", lambda role: {"name": f"Neu {role}", "filter": {}}),
        expect(elsewhere=201, here=201),
        snapshot=totals("/segments"),
    ),
    Operation("GET", "/segments", at("/segments"), LIST_FOR_EVERYONE, inspect=items_in()),
    Operation(
        "GET", "/segments/{segment_id}", at("/segments/{s}", s="segment_here"), READ_IN_DISTRICT
    ),
    Operation(
        "PUT",
        "/segments/{segment_id}",
        with_body("/segments/{s}", SEGMENT_HERE, s="segment_here"),
        expect(),
        snapshot=reads("/segments/{s}", s="segment_here"),
    ),
    Operation(
        "DELETE",
        "/segments/{segment_id}",
        fresh_segment,
        expect(here=204),
        snapshot=current_segment,
    ),
    Operation(
        "GET",
        "/segments/{segment_id}/people",
        at("/segments/{s}/people", s="segment_here"),
        READ_IN_DISTRICT,
        inspect=of_here,
    ),
    # imports
    Operation("POST", "/imports", import_file, coordinators(200), snapshot=import_jobs),
    Operation("GET", "/imports/{job_id}", at("/imports/{job}", job="dry_run"), coordinators(200)),
    Operation(
        "POST", "/imports/{job_id}/run", fresh_dry_run, coordinators(202), snapshot=import_jobs
    ),
]


@contextlib.asynccontextmanager
async def contacts_alone(settings: ContactsSettings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        service_client(manager.app, settings, "contacts") as client,
    ):
        await eventually(lambda: _ready(client), timeout=60)
        yield app, client


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


@pytest.mark.timeout(600)
@pytest.mark.filterwarnings("ignore:Use 'content=")
async def test_every_route_answers_each_role_as_declared(settings_for) -> None:
    settings = settings_for(ContactsSettings, "contacts")
    async with contacts_alone(settings) as (app, client):
        world = World(client, settings)
        await build(world)
        problems = await check_matrix(client, app, settings.auth_secret, world, TABLE)
        assert problems == [], "\n".join(problems)
