"""Unsubscribing through an email's link: consent withdrawn in notifications at once and in
contacts through an event; the next invitation does not go to that person."""

from __future__ import annotations

import email
from email import policy
from urllib.parse import urlsplit

import pytest

from helpers import create_person, deliveries, eventually, local, recipient_known, upcoming

pytestmark = pytest.mark.integration

STARTS, ENDS = upcoming()
MEETING = {
    "title": "Netzwerktreffen Hörde",
    "starts_at": local(STARTS),
    "ends_at": local(ENDS),
    "venue": {"name": "Café Durchblick"},
    "capacity": 10,
    "districts": ["Hörde"],
}


async def publish_meeting(system) -> str:
    meeting = (await system.events.post("/events", json=MEETING)).json()
    await system.events.post(f"/events/{meeting['id']}/publish")
    return meeting["id"]


async def test_one_click_unsubscribe_stops_invitations(system) -> None:
    person = await create_person(system, "Olga", "olga@betrieb.example")
    await eventually(lambda: recipient_known(system, person["id"]))
    first = await publish_meeting(system)
    await eventually(lambda: _sent(system, first, person["id"]))

    raw = system.mail.messages[-1]  # as the SMTP server received it
    invitation = email.message_from_bytes(raw, policy=policy.default)
    assert invitation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = invitation["List-Unsubscribe"].strip("<>")
    # a plain URL in angle brackets, as mail programs need it (RFC 8058): no encoded words
    assert url.startswith("http://") and "/unsubscribe/" in url
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert url in invitation.get_body(("plain",)).get_content()
    path = urlsplit(url).path

    page = await system.notifications.get(path)  # the link opened in a browser: asks first
    assert page.status_code == 200 and "keine Einladungen mehr" in page.text
    assert (await system.contacts.get(f"/people/{person['id']}")).json()["email_consent"]

    forged = await system.notifications.post(path[:-3] + "abc")
    assert forged.status_code == 400

    done = await system.notifications.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "erhalten keine Einladungen mehr" in done.text

    async def withdrawn_in_contacts() -> bool:
        person_now = (await system.contacts.get(f"/people/{person['id']}")).json()
        return person_now["email_consent"] is False

    await eventually(withdrawn_in_contacts)
    second = await publish_meeting(system)
    # the second meeting's invitations are through once its dashboard is described
    await eventually(lambda: _dashboard_has(system, second))
    assert await deliveries(system, event_id=second, person_id=person["id"]) == []


async def _sent(system, meeting_id: str, person_id: str) -> bool:
    items = await deliveries(system, event_id=meeting_id, person_id=person_id, state="sent")
    return len(items) == 1


async def _dashboard_has(system, meeting_id: str) -> bool:
    board = (await system.notifications.get("/dashboards/districts/Hörde")).json()
    return any(e["meeting_id"] == meeting_id for e in board["events"])
