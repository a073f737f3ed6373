"""The permission matrix of the notifications service (issue 11): every route, HTML pages and
their live streams included, called as anonymous, the officer of Hörde, the officer of Eving
and Innenstadt-Nord, a coordinator and an admin, with the exact answer each gets
(tests/permissions.py). The world: a meeting in Hörde and one in Eving, a person of each
district registered for her district's meeting (and the Hörde person for Eving's too, an
email both officers see), a campaign for each meeting, an address on hold.

A delivery is visible in its recipient's district and its meeting's; a campaign in its
meeting's; address holds to coordinators and admins; another district's campaign is a 404,
another district's dashboard a 403 (districts are no secret, see dashboards/routes.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
from notifications_alone import Alone, notifications_alone, person, registration
from permissions import LIST_FOR_EVERYONE, READ_IN_DISTRICT, ROLES, Call, Operation, check_matrix
from pymongo import AsyncMongoClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aiq_notifications.privacy.rules import ConsentRequest, consent_token, unsubscribe_token
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.contracts.meetings import MeetingPublishedV1
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from aiq_shared.targeting import ContactFilter
from helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

HOERDE, EVING = "Hörde", "Eving"
STARTS = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def meeting(meeting_id: str, district: str) -> MeetingPublishedV1:
    return MeetingPublishedV1(
        meeting_id=meeting_id,
        title=f"Netzwerktreffen {district}",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=3),
        venue={"name": "Bürgerhaus"},
        capacity=40,
        districts=[district],
        topic_tables=[],
        status="published",
    )


MEETINGS = {HOERDE: meeting("m-hoerde", HOERDE), EVING: meeting("m-eving", EVING)}


def summary(district: str) -> dict[str, Any]:
    """The meeting as registrations and invitations carry it."""
    fields = ("meeting_id", "title", "starts_at", "ends_at", "venue")
    return MEETINGS[district].model_dump(mode="json", include=set(fields))


PEOPLE = {HOERDE: person("p-hoerde", "Hanna"), EVING: person("p-eving", "Emre", district=EVING)}


def campaign(campaign_id: str, district: str) -> list[Any]:
    snapshot = summary(district)
    started = InvitationCampaignStartedV1(
        campaign_id=campaign_id,
        meeting=snapshot,
        target=ContactFilter(districts=[district]),
        total=1,
        started_at=datetime.now(UTC),
    )
    invitation = InvitationCreatedV1(
        invitation_id=f"{campaign_id}-inv",
        campaign_id=campaign_id,
        meeting=snapshot,
        person_id=PEOPLE[district].person_id,
        rsvp_url=f"http://events.example/rsvp/{campaign_id}",
        expires_at=STARTS,
    )
    return [started, invitation]


@dataclass
class World:
    alone: Alone
    numbers = count()

    @property
    def secret(self) -> str:
        return self.alone.settings.link_secret

    async def database(self, collection: str) -> list[dict[str, Any]]:
        client: AsyncMongoClient = AsyncMongoClient(self.alone.settings.mongo_url)
        try:
            db = client[self.alone.settings.mongo_db]
            return await db[collection].find({}, {"history": 0}).sort("_id").to_list()
        finally:
            await client.close()

    async def hold(self) -> str:
        """A fresh address on hold (as after its permanent refusals)."""
        address = f"held{next(self.numbers)}@betrieb.example"
        client: AsyncMongoClient = AsyncMongoClient(self.alone.settings.mongo_url)
        try:
            holds = client[self.alone.settings.mongo_db]["address_holds"]
            await holds.insert_one({"_id": address, "hard_bounces": 5})
        finally:
            await client.close()
        return address

    def unsubscribe(self) -> str:
        return unsubscribe_token(PEOPLE[HOERDE].person_id, self.secret, datetime.now(UTC))

    def consent(self) -> str:
        """A consent link not yet spent (each confirmation spends one)."""
        request = ConsentRequest(
            request_id=f"doi-{next(self.numbers)}",
            person_id=PEOPLE[HOERDE].person_id,
            purpose="newsletter",
            text_version="2026-01",
        )
        return consent_token(request, self.secret, datetime.now(UTC))


async def build(alone: Alone) -> World:
    await alone.publish(*MEETINGS.values(), *PEOPLE.values())
    for who in PEOPLE.values():
        await alone.knows(who.person_id)
    for district in (HOERDE, EVING):
        await eventually(lambda d=district: alone.stored("meetings", MEETINGS[d].meeting_id))
    hanna, emre = PEOPLE[HOERDE], PEOPLE[EVING]
    await alone.publish(
        registration(RegistrationConfirmedV1, "r-hoerde", hanna, meeting=summary(HOERDE)),
        registration(RegistrationConfirmedV1, "r-eving", emre, meeting=summary(EVING)),
        registration(RegistrationConfirmedV1, "r-across", hanna, meeting=summary(EVING)),
        *campaign("c-hoerde", HOERDE),
        *campaign("c-eving", EVING),
    )

    async def all_sent() -> bool:
        sent = await alone.deliveries(state="sent", limit="100")
        return len(sent) == 5

    await eventually(all_sent, timeout=60)
    world = World(alone)
    await world.hold()
    return world


# -- what each role must (not) see in a list ---------------------------------------------


def _sees_all(role: str) -> bool:
    return role in ("coordinator", "admin")


def deliveries_in_scope(role: str, response: httpx.Response) -> None:
    items = response.json()["items"]
    subjects = {(d["person_id"], d["meeting_id"]) for d in items}
    everything = {
        ("p-hoerde", "m-hoerde"), ("p-eving", "m-eving"), ("p-hoerde", "m-eving"),
    }  # fmt: skip
    expected = {
        "officer_here": {("p-hoerde", "m-hoerde"), ("p-hoerde", "m-eving")},
        "officer_elsewhere": {("p-eving", "m-eving"), ("p-hoerde", "m-eving")},
    }.get(role, everything)
    assert subjects == expected, f"{sorted(subjects)} listed"
    if role == "officer_here":
        assert all(HOERDE in d["districts"] for d in items), "an email of Eving alone listed"
        assert "emre" not in response.text.lower(), "Eving's address listed"


def campaigns_in_scope(role: str, response: httpx.Response) -> None:
    listed = {c["campaign_id"] for c in response.json()["items"]}
    expected = {"officer_here": {"c-hoerde"}, "officer_elsewhere": {"c-eving"}}
    assert listed == expected.get(role, {"c-hoerde", "c-eving"}), f"{listed} listed"


def city_in_scope(role: str, response: httpx.Response) -> None:
    """A district's dashboard counts its people, in whichever meeting: the Hörde officer sees
    Eving's meeting with Hanna's registration (she is of Hörde), not Emre's."""
    districts = {d for d in (HOERDE, EVING) if f'data-district="{d}"' in response.text}
    if "json" in response.headers["content-type"]:
        body = response.json()
        districts = {d["district"] for d in body["districts"]} & {HOERDE, EVING}
        registered = {e["meeting_id"]: e["registered"] for e in body["events"]}
        expected = {
            "officer_here": {"m-hoerde": 1, "m-eving": 1},  # Hanna, twice
            "officer_elsewhere": {"m-eving": 1},  # Emre
        }.get(role, {"m-hoerde": 1, "m-eving": 2})
        assert registered == expected, f"registrations {registered} shown"
    seen = {"officer_here": {HOERDE}, "officer_elsewhere": {EVING}}.get(role, {HOERDE, EVING})
    assert districts == seen, f"districts {districts} shown"


# -- the table ---------------------------------------------------------------------------


def everyone(status: int = 200) -> dict[str, int]:
    return {role: status for role in ROLES}


def coordinators(status: int) -> dict[str, int]:
    return {"anonymous": 401, "officer_elsewhere": 403, "officer_here": 403,
            "coordinator": status, "admin": status}  # fmt: skip


ADMINS_ONLY = {**coordinators(403), "admin": 200}
DISTRICT_PAGE = {**READ_IN_DISTRICT, "officer_elsewhere": 403}  # districts are no secret


def fixed(path: str, **request: Any):
    async def call(_: World, role: str) -> Call:
        return Call(path, **request)

    return call


async def _holds(world: World) -> Any:
    return await world.database("address_holds")


def operations() -> list[Operation]:
    async def lift(world: World, role: str) -> Call:
        return Call(f"/address-holds/{await world.hold()}")

    async def unsubscribe(world: World, role: str) -> Call:
        return Call(f"/unsubscribe/{world.unsubscribe()}")

    async def consent(world: World, role: str) -> Call:
        return Call(f"/consent/{world.consent()}")

    return [
        Operation("GET", "/health", fixed("/health"), everyone()),
        Operation("GET", "/ready", fixed("/ready"), everyone()),
        Operation("GET", "/metrics", fixed("/metrics"), everyone()),  # public in development
        Operation("GET", "/asyncapi.json", fixed("/asyncapi.json"), everyone()),
        Operation("GET", "/static/{name}", fixed("/static/dashboard.js"), everyone()),
        Operation("GET", "/audit", fixed("/audit"), ADMINS_ONLY),
        # deliveries, address holds, templates
        Operation(
            "GET",
            "/deliveries",
            fixed("/deliveries", params={"kind": "confirmation", "limit": 100}),
            LIST_FOR_EVERYONE,
            inspect=deliveries_in_scope,
        ),
        Operation("GET", "/address-holds", fixed("/address-holds"), coordinators(200)),
        Operation("DELETE", "/address-holds/{email}", lift, coordinators(204), snapshot=_holds),
        Operation("GET", "/templates", fixed("/templates"), LIST_FOR_EVERYONE),
        Operation(
            "GET",
            "/templates/{kind}/preview",
            fixed("/templates/invitation/preview"),
            LIST_FOR_EVERYONE,
        ),
        # campaigns
        Operation(
            "GET", "/campaigns", fixed("/campaigns"), LIST_FOR_EVERYONE, inspect=campaigns_in_scope
        ),
        Operation(
            "GET", "/campaigns/{campaign_id}", fixed("/campaigns/c-hoerde"), READ_IN_DISTRICT
        ),
        # dashboards (JSON and pages)
        Operation(
            "GET",
            "/dashboards/districts/{district}",
            fixed(f"/dashboards/districts/{HOERDE}"),
            DISTRICT_PAGE,
        ),
        Operation(
            "GET",
            "/dashboards/city",
            fixed("/dashboards/city"),
            LIST_FOR_EVERYONE,
            inspect=city_in_scope,
        ),  # fmt: skip
        Operation(
            "GET", "/dashboard", fixed("/dashboard"), LIST_FOR_EVERYONE, inspect=city_in_scope
        ),
        Operation("GET", "/dashboard/live", fixed("/dashboard/live"), LIST_FOR_EVERYONE),
        Operation("GET", "/dashboard/{district}", fixed(f"/dashboard/{HOERDE}"), DISTRICT_PAGE),
        Operation(
            "GET", "/dashboard/{district}/live", fixed(f"/dashboard/{HOERDE}/live"), DISTRICT_PAGE
        ),
        # the pages behind an email's links: the link is the permission, whoever calls
        Operation("GET", "/unsubscribe/{token}", unsubscribe, everyone()),
        Operation("POST", "/unsubscribe/{token}", unsubscribe, everyone()),
        Operation("GET", "/consent/{token}", consent, everyone()),
        Operation("POST", "/consent/{token}", consent, everyone()),
    ]


def hang_up_once_answered(app: ASGIApp) -> ASGIApp:
    """The client goes away once a live stream has answered (its status and headers): the
    test client would otherwise wait for the end of a stream that never ends."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/live"):
            await app(scope, receive, send)
            return
        answered = asyncio.Event()
        asked = False

        async def receive_until_answered() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return await receive()
            await answered.wait()
            return {"type": "http.disconnect"}

        ended = False

        async def send_and_note(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                answered.set()
            ended = message["type"] == "http.response.body" and not message.get("more_body")
            await send(message)

        await app(scope, receive_until_answered, send_and_note)
        if not ended:  # a stream ends without a last part once its client is gone (uvicorn
            # needs none); the test client does
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return wrapped


@pytest.fixture
async def world(settings_for, smtp_server):
    async with notifications_alone(settings_for, smtp_server) as alone:
        yield await build(alone)


async def test_every_route_answers_each_role_as_declared(world: World) -> None:
    app = world.alone.app
    transport = httpx.ASGITransport(app=hang_up_once_answered(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as client:
        problems = await check_matrix(
            client, app, world.alone.settings.auth_secret, world, operations()
        )
    assert problems == []
