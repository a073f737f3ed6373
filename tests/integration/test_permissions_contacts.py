"""The permission matrix of the contacts service (issue 11): every route, called as anonymous,
the Hörde officer (the resources' district), the officer of Eving and Innenstadt-Nord, a
coordinator and an admin, answers exactly as declared here; refused writes change nothing;
lists hold nothing of the other officer's districts. A new route without a line here fails.

The world and the calls: permissions_contacts_world.py. Writes that use their resource up
(erasure, merging, marking done, deleting, running a dry run) get a fresh one for every call."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from asgi_lifespan import LifespanManager
from permissions import LIST_FOR_EVERYONE, READ_IN_DISTRICT, Operation, check_matrix
from permissions_contacts_world import (
    ADMINS,
    NOTE,
    OPEN,
    ORG,
    PERSON,
    SEGMENT_HERE,
    World,
    at,
    build,
    coordinators,
    current_person,
    current_segment,
    expect,
    follow_up_call,
    fresh_dry_run,
    fresh_follow_up,
    fresh_merge,
    fresh_person,
    fresh_segment,
    import_file,
    import_jobs,
    items_in,
    merged_pair,
    new_organisation,
    of_here,
    opt_in_requests,
    person_call,
    reads,
    table_in,
    totals,
    with_body,
)

from aiq_contacts.app import create_app
from aiq_contacts.settings import ContactsSettings
from helpers import eventually, service_client

pytestmark = pytest.mark.integration
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
