"""The world the contacts permission matrix (test_permissions_contacts.py) runs in, and the
calls it makes: an organisation, a person, notes, follow-ups and a segment in Hörde, the same
in Eving, and an import's dry run; fresh resources for the writes that use theirs up; the
checks that a list holds nothing of the other officer's districts."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from permissions import ROLES, Call
from permissions import tokens as role_tokens
from pymongo import AsyncMongoClient

from aiq_contacts.settings import ContactsSettings

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
