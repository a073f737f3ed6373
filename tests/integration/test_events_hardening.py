"""The events service's districts, audit trail, links and pages, on real servers (issue 11): a
meeting for several districts is seen in each, and what belongs to it moves with it; an
officer registers only people she may see; who changed what is in the audit trail by name and
without personal data; the personal links stop when their purpose is spent; every page sends
the security headers; each public page is rate-limited; only the desk takes a token from the
address.
"""

from __future__ import annotations

import json
import re

import pytest
from test_events_support import (
    events_alone,
    events_fixture,
    message_of,
    publish_contacts_events,
)
from test_events_world import EVING, HOERDE, PEOPLE, build, organisation_id, person_id

from aiq_shared.auth import issue_token
from aiq_shared.contracts.contacts import PersonCreatedV1
from helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

events = events_fixture()


def as_(settings, who: str) -> dict[str, str]:
    """Headers of a signed-in staff member: "hoerde", "eving", "mengede" or "coordinator"."""
    claims = {
        "hoerde": ("m.schneider", "officer", [HOERDE], "Maria Schneider"),
        "eving": ("t.yilmaz", "officer", [EVING, "Innenstadt-Nord"], "Tarik Yılmaz"),
        "mengede": ("s.becker", "officer", ["Mengede"], "Sabine Becker"),
        "coordinator": ("k.wagner", "coordinator", None, "Katrin Wagner"),
    }[who]
    return {"Authorization": f"Bearer {issue_token(settings.auth_secret, *claims)}"}


async def test_a_meeting_of_two_districts_is_seen_in_each_and_its_parts_move_with_it(
    events,
) -> None:
    world = await build(events)
    settings = events.settings["events"]
    hoerde, eving, mengede = (
        as_(settings, "hoerde"),
        as_(settings, "eving"),
        as_(settings, "mengede"),
    )
    both = await world.meeting(HOERDE, districts=[HOERDE, EVING])
    emre = await world.register(both, "Emre")
    for officer in (hoerde, eving):
        assert (await world.client.get(f"/events/{both}", headers=officer)).status_code == 200
        listed = await world.client.get(f"/events/{both}/registrations", headers=officer)
        assert [r["id"] for r in listed.json()["items"]] == [emre["id"]]
        page = await world.client.get("/events", params={"limit": 200}, headers=officer)
        assert both in [m["id"] for m in page.json()["items"]]
    assert (await world.client.get(f"/events/{both}", headers=mengede)).status_code == 404

    # the Hörde officer can't take the meeting out of Eving: not her district
    refused = await world.client.patch(
        f"/events/{both}", json={"districts": [HOERDE]}, headers=hoerde
    )
    assert refused.status_code == 403 and "Eving" in refused.json()["detail"]
    moved = await world.client.patch(
        f"/events/{both}", json={"districts": [EVING]}, headers=as_(settings, "coordinator")
    )
    assert moved.status_code == 200 and moved.json()["districts"] == [EVING]
    for path in ("", "/registrations", f"/registrations/{emre['id']}", "/report"):
        gone = await world.client.get(f"/events/{both}{path}", headers=hoerde)
        assert gone.status_code == 404, path
        kept = await world.client.get(f"/events/{both}{path}", headers=eving)
        assert kept.status_code == 200, path
    stored = await world.app.state.runtime.database["registrations"].find_one({"_id": emre["id"]})
    assert stored["meeting_districts"] == [EVING]


async def test_an_officer_registers_only_people_she_may_see(events) -> None:
    world = await build(events)
    settings = events.settings["events"]
    meeting = await world.meeting(HOERDE)
    url = f"/events/{meeting}/registrations"
    foreign = await world.client.post(
        url, json={"person_id": person_id("Emre")}, headers=as_(settings, "hoerde")
    )
    assert foreign.status_code == 422 and foreign.json()["reason"] == "unknown_person"
    assert "Emre" not in foreign.text
    own = await world.client.post(
        url, json={"person_id": person_id("Anna")}, headers=as_(settings, "hoerde")
    )
    assert own.status_code == 201
    coordinated = await world.client.post(
        url, json={"person_id": person_id("Emre")}, headers=as_(settings, "coordinator")
    )
    assert coordinated.status_code == 201  # a coordinator sees every district's people


async def test_who_changed_what_is_in_the_audit_trail_by_name_and_without_personal_data(
    events,
) -> None:
    world = await build(events)
    settings = events.settings["events"]
    hoerde = as_(settings, "hoerde")
    made = await world.client.post(
        f"/events/{world.here}/registrations",
        json={"person_id": person_id("Bert"), "topic_table_ids": world.tables[1:]},
        headers=hoerde,
    )
    assert made.status_code == 201, made.text
    registration = made.json()["id"]
    cancelled = await world.client.post(
        f"/events/{world.here}/registrations/{registration}/cancel", headers=hoerde
    )
    assert cancelled.status_code == 200
    changed = await world.client.patch(
        f"/events/{world.here}", json={"capacity": 30}, headers=hoerde
    )
    assert changed.status_code == 200

    by_her = (await world.client.get("/audit", params={"actor": "m.schneider"})).json()["items"]
    assert {(e["resource_type"], e["resource_id"], e["action"]) for e in by_her} == {
        ("registration", registration, "registered"),
        ("registration", registration, "cancelled"),
        ("meeting", world.here, "changed"),
    }
    assert {e["actor_name"] for e in by_her} == {"Maria Schneider"}
    assert next(e for e in by_her if e["action"] == "changed")["changed_fields"] == ["capacity"]
    cancel = next(e for e in by_her if e["action"] == "cancelled")
    assert "status" in cancel["changed_fields"] and cancel["request_id"]

    # a change through a personal link is the link's; the read model's, the system's
    answered = await world.client.post(
        world.rsvp_path, data={"action": "change", "table": world.tables}
    )
    assert answered.status_code == 200
    of_anna = await world.client.get(
        "/audit", params={"resource_type": "registration", "resource_id": world.registration}
    )
    assert [e["actor"] for e in of_anna.json()["items"]][0] == "link:rsvp"
    people = await world.client.get("/audit", params={"resource_type": "participant"})
    assert {e["actor"] for e in people.json()["items"]} == {"system:events"}

    everything = await world.app.state.runtime.database["audit_log"].find({}).to_list()
    text = json.dumps(everything, default=str)
    for name in PEOPLE:  # neither names nor addresses of anyone, only field names
        assert name not in text and f"{name.lower()}@example.org" not in text


async def test_a_personal_link_stops_once_its_meeting_is_closed_and_declines_once(
    events,
) -> None:
    world = await build(events)
    declined = await world.client.post(world.decline_path)
    again = await world.client.post(world.decline_path)
    assert "Danke für Ihre Rückmeldung" in message_of(declined.text)
    assert "Sie haben bereits abgesagt" in message_of(again.text)
    decline_entries = await world.client.get("/audit", params={"actor": "link:rsvp"})
    assert [e["action"] for e in decline_entries.json()["items"]] == ["declined"]  # once

    assert (await world.client.post(f"/events/{world.here}/close")).status_code == 200
    for path in (world.rsvp_path, world.decline_path):
        page = await world.client.get(path)
        assert page.status_code == 410 and "abgelaufen" in page.text
    posted = await world.client.post(world.rsvp_path, data={"action": "cancel"})
    assert posted.status_code == 410


PAGE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


async def test_every_page_sends_the_security_headers_and_holds_no_inline_code(events) -> None:
    world = await build(events)
    desk = f"/events/{world.here}/check-in-desk"
    pages = [
        await world.client.get(world.rsvp_path),
        await world.client.post(world.rsvp_path, data={"action": "change"}),
        await world.client.post(world.rsvp_path, data={"action": "nonsense"}),  # a refusal
        await world.client.get(world.decline_path),
        await world.client.post(world.decline_path),
        await world.client.get("/rsvp/not-a-link"),  # the invalid link's page
        await world.client.get(desk, params={"q": "Anna"}),
        await world.client.post(desk, data={"code": world.code}),
        await world.client.post(desk, data={"code": "unknown"}),
        await world.client.post(f"{desk}/walk-in", data={"first_name": "Gast"}),
    ]
    for answer in pages:
        where = f"{answer.request.method} {answer.request.url.path} ({answer.status_code})"
        assert answer.headers["content-type"].startswith("text/html"), where
        for name, value in PAGE_HEADERS.items():
            assert answer.headers[name] == value, where
        # a personal link's token is in the address; the desk's (signed in) is not, and its
        # forms must carry our origin
        referrer = "same-origin" if "/check-in-desk" in where else "no-referrer"
        assert answer.headers["referrer-policy"] == referrer, where
        assert f'<meta name="referrer" content="{referrer}">' in answer.text, where
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, where
        assert "unsafe-inline" not in policy and "script-src" not in policy, where
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", answer.text), where
        assert '<link rel="stylesheet" href="/static/pages.css">' in answer.text, where
    stylesheet = await world.client.get("/static/pages.css", headers={"Authorization": ""})
    assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith(
        "text/css"
    )
    assert stylesheet.headers["x-content-type-options"] == "nosniff"


async def test_each_public_page_answers_429_beyond_its_limit(settings_for) -> None:
    """A page is counted per client address, whatever the method (its GET and POST)."""
    async with events_alone(settings_for, public_pages_per_minute=3) as system:
        world = await build(system)
        anonymous = {"Authorization": ""}
        change = {"action": "change", "table": world.tables[:1]}
        for path, data in ((world.rsvp_path, change), (world.decline_path, None)):
            answers = [
                await world.client.get(path, headers=anonymous),
                await world.client.post(path, data=data, headers=anonymous),
                await world.client.get(path, headers=anonymous),
                await world.client.post(path, data=data, headers=anonymous),
            ]
            assert [a.status_code for a in answers] == [200, 200, 200, 429], path
            assert int(answers[-1].headers["retry-after"]) >= 1
            assert answers[-1].headers["content-type"].startswith("application/problem+json")
        # the staff's desk is not limited so
        desk = f"/events/{world.here}/check-in-desk"
        assert {(await world.client.get(desk)).status_code for _ in range(4)} == {200}


async def test_only_the_desk_page_takes_a_token_from_the_address(events) -> None:
    world = await build(events)
    settings = events.settings["events"]
    token = issue_token(settings.auth_secret, "m.schneider", "officer", [HOERDE])
    browser = {"Authorization": ""}
    # the personal links need no token and do not sign anyone in (first: the test's lifespan
    # shares one request state, so a sign-in below would show on every later answer)
    page = await world.client.get(world.rsvp_path, params={"token": token}, headers=browser)
    assert page.status_code == 200 and "aiq_token" not in page.cookies
    desk = f"/events/{world.here}/check-in-desk"
    signed_in = await world.client.get(desk, params={"token": token, "q": "Anna"}, headers=browser)
    assert signed_in.status_code == 200 and signed_in.cookies["aiq_token"] == token
    # that page gives its address to nobody and loads the desk without the token at once
    assert signed_in.headers["referrer-policy"] == "no-referrer"
    assert f'<meta http-equiv="refresh" content="0; url={desk}?q=Anna">' in signed_in.text
    assert token not in signed_in.text
    # the desk's forms post with the cookie from our origin, which a browser sends with a form
    # only under the desk's same-origin policy (under no-referrer it sends "null": refused)
    cookie = {**browser, "Cookie": f"aiq_token={token}"}
    origin = f"{world.client.base_url.scheme}://{world.client.base_url.host}"
    world.client.cookies.clear()
    for sent, status in (("null", 401), (origin, 200)):
        posted = await world.client.post(
            desk, data={"code": world.code}, headers={**cookie, "Origin": sent}
        )
        assert posted.status_code == status, sent
    world.client.cookies.clear()  # a token in the address only, from here on
    for method, path in (
        ("POST", desk),
        ("POST", f"{desk}/walk-in"),
        ("GET", f"/events/{world.here}/report"),
        ("GET", f"/events/{world.here}/invitations"),
        ("GET", "/events"),
    ):
        refused = await world.client.request(method, path, params={"token": token}, headers=browser)
        assert refused.status_code == 401, (method, path)


async def test_a_person_of_another_district_working_here_is_seen_here(events) -> None:
    """A person's districts are their own and their organisations': an Eving resident at a
    Hörde company is seen by the Hörde officer (and by the Eving one)."""
    world = await build(events)
    directory = world.app.state.directory
    commuter = "0000000000000000000000c1"
    await publish_contacts_events(
        events,
        PersonCreatedV1(
            person_id=commuter, first_name="Pendlerin", last_name="Beispiel", district=EVING,
            organisation_id=organisation_id("company_hoerde"), email_consent=True,
        ),
    )  # fmt: skip

    async def known():
        person = await directory.person(commuter)
        return person and person.districts == [EVING, HOERDE]

    await eventually(known, timeout=30)
    settings = events.settings["events"]
    meeting = await world.meeting(HOERDE)
    made = await world.client.post(
        f"/events/{meeting}/registrations",
        json={"person_id": commuter},
        headers=as_(settings, "hoerde"),
    )
    assert made.status_code == 201, made.text
