"""Districts, the audit trail and single-use links in the contacts service (issue 11), on
real servers, calling as the staff of tests/permissions.py: the Hörde officer (m.schneider),
the officer of Eving and Innenstadt-Nord (t.yilmaz), a coordinator and an admin. The API the
staff app asked for: test_contacts_staff_api.py."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from permissions import tokens
from test_contacts_support import registration

from aiq_contacts.app import create_app
from aiq_contacts.settings import ContactsSettings
from aiq_shared.contracts.notifications import ConsentConfirmedV1
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from aiq_shared.envelope import Actor, to_kafka, wrap
from helpers import eventually, publish, service_client

pytestmark = pytest.mark.integration

CSV = {"Content-Type": "text/csv"}


class MovableClock:
    """The system's time, moved on by ``advance`` (a dry run's file expiring)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


class Staff:
    """The contacts API as each role calls it (``as_role("officer_here").get(...)``)."""

    def __init__(self, client: httpx.AsyncClient, settings: ContactsSettings) -> None:
        self.admin = client
        self._tokens = tokens(settings.auth_secret)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._tokens[role]}"}

    async def call(self, role: str, method: str, path: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        headers = self.headers(role) | kw.pop("headers", {})
        return await self.admin.request(method, path, headers=headers, **kw)

    async def made(self, path: str, body: dict, role: str = "admin") -> dict:
        response = await self.call(role, "POST", path, json=body)
        assert response.status_code == 201, response.text
        return response.json()


@contextlib.asynccontextmanager
async def contacts(settings_for, clock=None):  # type: ignore[no-untyped-def]
    settings = settings_for(ContactsSettings, "contacts")
    app = create_app(settings, clock) if clock else create_app(settings)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        service_client(manager.app, settings, "contacts") as client,
    ):
        await eventually(lambda: _ready(client), timeout=60)
        yield Staff(client, settings), settings


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_person_is_visible_in_each_of_her_districts_and_records_follow_a_move(
    settings_for,
) -> None:
    async with contacts(settings_for) as (staff, _):
        hoerde = await staff.made("/organisations", {"name": "Elektro Süd", "district": "Hörde"})
        # lives in Eving, works in Hörde: both officers see her
        pia = await staff.made(
            "/people",
            {"first_name": "Pia", "last_name": "Pendel", "district": "Eving"}
            | {"organisation_id": hoerde["id"]},
        )
        assert pia["districts"] == ["Eving", "Hörde"]
        for role in ("officer_here", "officer_elsewhere"):
            assert (await staff.call(role, "GET", f"/people/{pia['id']}")).status_code == 200
        # a visit to the company is Hörde's business, whoever the contact was
        await staff.made(
            f"/people/{pia['id']}/interactions", {"kind": "visit", "text": "Besuch"}, "officer_here"
        )
        theirs = await staff.call("officer_elsewhere", "GET", f"/people/{pia['id']}/interactions")
        assert _ids(theirs) == []

        # an officer creates and moves nothing out of her districts; nothing changed
        elsewhere = await staff.call(
            "officer_here", "POST", "/organisations", json={"name": "Fremd", "district": "Eving"}
        )
        assert elsewhere.status_code == 403, elsewhere.text
        assert elsewhere.headers["content-type"] == "application/problem+json"
        assert (await staff.admin.get("/organisations", params={"q": "Fremd"})).json()["total"] == 0
        moving = await staff.call(
            "officer_here", "PATCH", f"/organisations/{hoerde['id']}", json={"district": "Eving"}
        )
        assert moving.status_code == 403, moving.text
        assert (await staff.admin.get(f"/organisations/{hoerde['id']}")).json()["district"] == (
            "Hörde"
        )
        hans = await staff.made(
            "/people", {"first_name": "Hans", "last_name": "Hier", "organisation_id": hoerde["id"]}
        )
        assert hans["districts"] == ["Hörde"]

        # a coordinator moves the company to Eving: its people and its history follow
        moved = await staff.call(
            "coordinator", "PATCH", f"/organisations/{hoerde['id']}", json={"district": "Eving"}
        )
        assert moved.status_code == 200, moved.text
        gone = await staff.call("officer_here", "GET", f"/organisations/{hoerde['id']}")
        assert gone.status_code == 404
        hans_now = (await staff.admin.get(f"/people/{hans['id']}")).json()
        assert hans_now["districts"] == ["Hörde", "Eving"]  # his own district stays his
        assert (await staff.call("officer_here", "GET", f"/people/{pia['id']}")).status_code == 404
        recent_here = await staff.call("officer_here", "GET", "/interactions")
        assert _ids(recent_here) == []
        recent_there = (await staff.call("officer_elsewhere", "GET", "/interactions")).json()
        assert [(i["kind"], i["districts"]) for i in recent_there["items"]] == [
            ("visit", ["Eving"])
        ]


async def test_a_change_by_an_officer_is_in_the_trail_with_her_name_and_no_personal_values(
    settings_for,
) -> None:
    async with contacts(settings_for) as (staff, _):
        company = await staff.made("/organisations", {"name": "Bäckerei Hell", "district": "Hörde"})
        person = await staff.made(
            "/people",
            {"first_name": "Ina", "last_name": "Alt", "organisation_id": company["id"]},
            "officer_here",
        )
        changed = await staff.call(
            "officer_here",
            "PATCH",
            f"/people/{person['id']}",
            json={"last_name": "Neuname", "phone": "0231 999 1234"},
        )
        assert changed.status_code == 200, changed.text
        follow_up = await staff.made(
            "/follow-ups",
            {"kind": "call", "title": "Rückruf", "person_id": person["id"]},
            "officer_here",
        )
        done = await staff.call("officer_here", "POST", f"/follow-ups/{follow_up['id']}/done")
        assert done.status_code == 200, done.text

        trail = await staff.admin.get(
            "/audit", params={"resource_type": "person", "resource_id": person["id"]}
        )
        assert trail.status_code == 200, trail.text
        entries = trail.json()["items"]
        assert {(e["action"], e["actor"], e["actor_name"]) for e in entries} == {
            ("created", "m.schneider", "Maria Schneider"),
            ("updated", "m.schneider", "Maria Schneider"),
        }
        [update] = [e for e in entries if e["action"] == "updated"]
        assert update["changed_fields"] == ["last_name", "phone"]
        assert update["request_id"]
        text = json.dumps(trail.json(), ensure_ascii=False)
        for value in ("Ina", "Alt", "Neuname", "0231 999 1234"):
            assert value not in text
        by_her = await staff.admin.get(
            "/audit", params={"actor": "m.schneider", "resource_type": "follow_up"}
        )
        assert [e["action"] for e in by_her.json()["items"]] in (
            ["created", "done"],
            ["done", "created"],
        )
        # the trail is the admins'
        refused = await staff.call("coordinator", "GET", "/audit")
        assert refused.status_code == 403


async def test_a_double_opt_in_link_confirms_once(settings_for) -> None:
    async with contacts(settings_for) as (staff, settings):
        person = await staff.made(
            "/people",
            {"first_name": "Olga", "last_name": "Opt", "district": "Hörde"}
            | {"email": "olga@betrieb.example"},
        )
        path = f"/people/{person['id']}"
        asked = []
        for purpose in ("invitations", "newsletter"):
            response = await staff.admin.post(f"{path}/double-opt-in", json={"purpose": purpose})
            assert response.status_code == 202, response.text
            asked.append(response.json()["request_id"])

        def confirmed(request_id: str, purpose: str) -> ConsentConfirmedV1:
            return ConsentConfirmedV1(
                request_id=request_id,
                person_id=person["id"],
                purpose=purpose,
                text_version="2026-01",
                confirmed_at=datetime.now(UTC),
            )

        await publish(settings, confirmed(asked[0], "invitations"))

        async def consents() -> list[str]:
            return (await staff.admin.get(path)).json()["consents"]

        await eventually(consents, timeout=60)
        withdrawn = await staff.admin.post(
            f"{path}/consents", json={"purpose": "invitations", "granted": False}
        )
        assert withdrawn.status_code == 201, withdrawn.text
        # the link used again, then the newsletter's (same person: the same partition, in order)
        await publish(settings, confirmed(asked[0], "invitations"))
        await publish(settings, confirmed(asked[1], "newsletter"))
        assert await eventually(lambda: _has(staff, path, "newsletter"), timeout=60)
        assert await consents() == ["newsletter"]
        history = (await staff.admin.get(f"{path}/consents")).json()
        assert [(h["purpose"], h["granted"]) for h in history] == [
            ("invitations", True),
            ("invitations", False),
            ("newsletter", True),
        ]


async def _has(staff: Staff, path: str, purpose: str) -> bool:
    return purpose in (await staff.admin.get(path)).json()["consents"]


async def test_a_consumers_write_is_in_the_trail_in_the_name_of_who_caused_the_event(
    settings_for,
) -> None:
    async with contacts(settings_for) as (staff, settings):
        company = await staff.made("/organisations", {"name": "Kran Nord", "district": "Eving"})
        person = await staff.made(
            "/people", {"first_name": "Ali", "last_name": "Arm", "organisation_id": company["id"]}
        )
        event = registration(RegistrationConfirmedV1, "r-actor", person)
        record = to_kafka(
            wrap(event, source="/aiq/events", actor=Actor(subject="t.yilmaz", name="Tarik Yılmaz"))
        )
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                settings.kafka_topic_prefix + event.topic,
                record.value,
                key=record.key,
                headers=record.headers,
            )
        finally:
            await producer.stop()

        async def entry() -> list[dict]:
            trail = await staff.admin.get("/audit", params={"resource_type": "interaction"})
            return trail.json()["items"]

        [created] = await eventually(entry, timeout=60)
        assert (created["action"], created["actor"], created["actor_name"]) == (
            "created",
            "t.yilmaz",
            "Tarik Yılmaz",
        )
        assert "attendance" in created["changed_fields"]
        meetings = await staff.call("officer_elsewhere", "GET", f"/people/{person['id']}/meetings")
        assert meetings.status_code == 200 and len(meetings.json()) == 1
