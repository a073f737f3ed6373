"""The notifications service's pages and links hardened, and its audit trail (issue 11):
security headers on every HTML page (a CSP without inline script or style), no inline script,
style or event handler in any page; a rate limit on each public page; a consent link spent
once confirmed; every change in the audit trail with who made it and no personal values."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from notifications_alone import Alone, notifications_alone, person, registration
from pymongo import AsyncMongoClient

from aiq_notifications.privacy.rules import ConsentRequest, consent_token, unsubscribe_token
from aiq_shared.auth import issue_token
from aiq_shared.contracts.base import EventContract
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from aiq_shared.envelope import Actor, to_kafka, wrap
from helpers import eventually

pytestmark = pytest.mark.integration

HANNA = person("p-7", "Hanna")


def consent_link(alone: Alone, request_id: str = "doi-1") -> str:
    request = ConsentRequest(
        request_id=request_id,
        person_id=HANNA.person_id,
        purpose="newsletter",
        text_version="2026-01",
    )
    return "/consent/" + consent_token(request, alone.settings.link_secret, datetime.now(UTC))


def unsubscribe_link(alone: Alone) -> str:
    token = unsubscribe_token(HANNA.person_id, alone.settings.link_secret, datetime.now(UTC))
    return f"/unsubscribe/{token}"


@pytest.fixture
async def alone(settings_for, smtp_server):
    """The service alone, knowing Hanna of Hörde."""
    async with notifications_alone(settings_for, smtp_server) as service:
        await service.publish(HANNA)
        await service.knows(HANNA.person_id)
        yield service


async def pages(alone: Alone) -> list[tuple[str, str, dict[str, str]]]:
    """Every HTML page: (method, path, headers)."""
    officer = issue_token(alone.settings.auth_secret, "m.schneider", "officer", ["Hörde"])
    signed_in = {"Authorization": f"Bearer {officer}"}
    anonymous = {"Authorization": ""}
    return [
        ("GET", "/dashboard", signed_in),
        ("GET", "/dashboard/Hörde", signed_in),
        ("GET", unsubscribe_link(alone), anonymous),
        ("POST", unsubscribe_link(alone), anonymous),
        ("GET", consent_link(alone, "doi-page"), anonymous),
        ("POST", consent_link(alone, "doi-page"), anonymous),
        ("POST", consent_link(alone, "doi-page"), anonymous),  # spent: 410
        ("GET", "/unsubscribe/forged", anonymous),  # 400
        ("GET", "/consent/forged", anonymous),
    ]


async def test_every_page_sends_the_security_headers_and_has_no_inline_script(alone: Alone) -> None:
    for method, path, headers in await pages(alone):
        answer = await alone.client.request(method, path, headers=headers)
        where = f"{method} {path[:40]}: {answer.status_code}"
        assert answer.headers["content-type"].startswith("text/html"), where
        policy = answer.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", where
        assert directives["style-src"] == "'self'", where
        assert directives["frame-ancestors"] == "'none'", where
        assert "unsafe-inline" not in policy, where
        assert answer.headers["x-frame-options"] == "DENY", where
        assert answer.headers["x-content-type-options"] == "nosniff", where
        assert answer.headers["referrer-policy"] == "no-referrer", where
        body = answer.text
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", body), f"{where}: inline script"
        assert "<style" not in body and " style=" not in body, f"{where}: inline style"
        assert not re.search(r"\son[a-z]+\s*=", body), f"{where}: an inline event handler"

    dashboard = await alone.client.get("/dashboard")
    [script] = re.findall(r'<script src="([^"]+)"', dashboard.text)
    [sheet] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', dashboard.text)
    served = await alone.client.get(script, headers={"Authorization": ""})
    assert served.status_code == 200 and "EventSource" in served.text
    assert served.headers["content-type"].startswith("text/javascript")
    assert served.headers["x-content-type-options"] == "nosniff"
    style = await alone.client.get(sheet, headers={"Authorization": ""})
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    unknown = await alone.client.get("/static/../settings.py", headers={"Authorization": ""})
    assert unknown.status_code in (404, 422)

    # ?token= signs in to the pages only, never to the JSON API
    officer = issue_token(alone.settings.auth_secret, "m.schneider", "officer", ["Hörde"])
    for api in ("/deliveries", "/campaigns", "/dashboards/city", "/address-holds"):
        answer = await alone.client.get(
            api, params={"token": officer}, headers={"Authorization": ""}
        )
        assert answer.status_code == 401, f"{api}: {answer.status_code}"
    page = await alone.client.get(
        "/dashboard/Hörde", params={"token": officer}, headers={"Authorization": ""}
    )
    assert page.status_code == 303 and "token" not in page.headers["location"]
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_each_public_page_answers_429_with_retry_after_beyond_its_limit(
    settings_for, smtp_server
) -> None:
    async with notifications_alone(settings_for, smtp_server, public_pages_per_minute=2) as alone:
        await alone.publish(HANNA)
        await alone.knows(HANNA.person_id)
        anonymous = {"Authorization": ""}
        # a page's GET and POST share its budget; any link counts, a forged one too
        for link, first in [(unsubscribe_link(alone), 200), ("/consent/forged", 400)]:
            answers = [
                await alone.client.request(method, link, headers=anonymous)
                for method in ("GET", "POST", "GET", "POST")
            ]
            codes = [a.status_code for a in answers]
            assert codes == [first, first, 429, 429], f"{link[:20]}: {codes}"
            for refused in answers[2:]:
                assert int(refused.headers["retry-after"]) >= 1
                assert refused.headers["content-type"].startswith("application/problem+json")
        # (consent's first answers were not 429: each page has its own budget)


async def test_a_consent_link_is_spent_once_confirmed(settings_for, smtp_server) -> None:
    async with notifications_alone(settings_for, smtp_server) as alone:
        link = consent_link(alone, "doi-once")
        anonymous = {"Authorization": ""}
        asked = await alone.client.get(link, headers=anonymous)
        assert asked.status_code == 200 and "Ja, ich willige ein" in asked.text
        assert asked.headers["referrer-policy"] == "no-referrer"
        done = await alone.client.post(link, headers=anonymous)
        assert done.status_code == 200 and "bestätigt" in done.text
        again = await alone.client.post(link, headers=anonymous)
        assert again.status_code == 410 and "Vielen Dank" not in again.text
        assert (await alone.client.get(link, headers=anonymous)).status_code == 410
        other = consent_link(alone, "doi-other")  # another request of the same person
        assert (await alone.client.get(other, headers=anonymous)).status_code == 200
        confirmed = await audit(alone, resource_type="consent_request", resource_id="doi-once")
        assert [(e["action"], e["actor"]) for e in confirmed] == [("confirmed", "link:consent")]


async def audit(alone: Alone, **params: str) -> list[dict[str, Any]]:
    answer = await alone.client.get("/audit", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def publish_as(alone: Alone, actor: Actor, *events: EventContract) -> None:
    """Put events on Kafka as the events service would, caused by ``actor``."""
    producer = AIOKafkaProducer(bootstrap_servers=alone.settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            record = to_kafka(wrap(event, source="/aiq/events", actor=actor))
            topic = alone.settings.kafka_topic_prefix + event.topic
            await producer.send_and_wait(
                topic, record.value, key=record.key, headers=record.headers
            )
    finally:
        await producer.stop()


async def test_the_audit_trail_names_who_caused_each_change_without_personal_values(
    alone: Alone,
) -> None:
    maria = Actor(subject="m.schneider", name="Maria Schneider")
    await publish_as(alone, maria, registration(RegistrationConfirmedV1, "r-1", HANNA))
    [sent] = await eventually(lambda: alone.deliveries(person_id=HANNA.person_id, state="sent"))
    entries = await audit(alone, resource_type="delivery", resource_id=sent["id"])
    by_maria = [e for e in entries if e["actor"] == "m.schneider"]
    assert by_maria and {e["actor_name"] for e in by_maria} == {"Maria Schneider"}
    assert "created" in {e["action"] for e in by_maria}

    # a coordinator lifts a hold: named, the address itself is not in the trail
    held = "hanna.alt@betrieb.example"
    await hold(alone, held)
    katrin = issue_token(
        alone.settings.auth_secret, "k.wagner", "coordinator", None, "Katrin Wagner"
    )
    lifted = await alone.client.delete(
        f"/address-holds/{held}", headers={"Authorization": f"Bearer {katrin}"}
    )
    assert lifted.status_code == 204
    [entry] = await audit(alone, actor="k.wagner")
    assert (entry["resource_type"], entry["action"]) == ("address_hold", "lifted")
    assert entry["actor_name"] == "Katrin Wagner" and entry["changed_fields"]

    # through a link: the link's purpose is the actor
    unsubscribed = await alone.client.post(unsubscribe_link(alone), headers={})
    assert unsubscribed.status_code == 200
    [withdrawn] = await audit(alone, actor="link:unsubscribe")
    assert (withdrawn["resource_id"], withdrawn["action"]) == (
        HANNA.person_id,
        "consent_withdrawn",
    )
    trail = (await alone.client.get("/audit", params={"limit": 200})).text.lower()
    for value in ("hanna", "betrieb.example", "beispiel", HANNA.email.lower()):
        assert value not in trail, f"{value!r} in the audit trail"


async def hold(alone: Alone, address: str) -> None:
    """An address on hold, as after its permanent refusals."""
    client: AsyncMongoClient = AsyncMongoClient(alone.settings.mongo_url)
    try:
        holds = client[alone.settings.mongo_db]["address_holds"]
        await holds.insert_one({"_id": address, "hard_bounces": 5})
    finally:
        await client.close()
