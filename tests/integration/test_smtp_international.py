"""Internationalised addresses on a real SMTP conversation (aiosmtpd): with SMTPUTF8 when the
server offers it, the domain in its IDNA form, and otherwise dead at once with the reason
(before, ``ben.hörder@bäckerei.example`` stayed "sending" for more than 30 s)."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller
from notifications_alone import notifications_alone, person, registration

from aiq_devstack.ports import free_port
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from helpers import eventually

pytestmark = pytest.mark.integration

LOCAL_AND_DOMAIN = "ben.hörder@bäckerei.example"
DOMAIN_ONLY = "carla@bäckerei.example"


class Envelopes:
    """Keeps what the server was told: the recipients, the MAIL options and the message."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.received: list[tuple[list[str], list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        content = envelope.original_content or envelope.content
        self.messages.append(content)
        self.received.append((list(envelope.rcpt_tos), list(envelope.mail_options), content))
        return "250 OK"


async def _send_to(settings_for, smtputf8: bool, *addresses: str):  # type: ignore[no-untyped-def]
    """Each address gets a confirmation; the deliveries once they are done, and how long."""
    handler = Envelopes()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=smtputf8
    )
    controller.start()
    try:
        async with notifications_alone(settings_for, (controller, handler)) as alone:
            people = [person(f"p-{i}", "Ben", email=a) for i, a in enumerate(addresses)]
            await alone.publish(*people)
            for someone in people:
                await alone.knows(someone.person_id)
            started = time.monotonic()
            await alone.publish(
                *(registration(RegistrationConfirmedV1, f"r-{p.person_id}", p) for p in people)
            )

            async def done():  # type: ignore[no-untyped-def]
                items = await alone.deliveries(kind="confirmation")
                finished = [d for d in items if d["state"] in ("sent", "dead")]
                return finished if len(finished) == len(addresses) else None

            finished = await eventually(done, timeout=20)
            return {d["email"]: d for d in finished}, handler, time.monotonic() - started
    finally:
        controller.stop()


async def test_a_server_with_smtputf8_gets_non_ascii_addresses_as_they_are(settings_for) -> None:
    deliveries, server, _ = await _send_to(settings_for, True, LOCAL_AND_DOMAIN, DOMAIN_ONLY)
    assert {d["state"] for d in deliveries.values()} == {"sent"}
    by_recipient = {rcpts[0]: (options, raw) for rcpts, options, raw in server.received}
    options, raw = by_recipient["ben.hörder@xn--bckerei-5wa.example"]
    assert "SMTPUTF8" in options
    assert "ben.hörder@xn--bckerei-5wa.example".encode() in raw.split(b"\r\n\r\n", 1)[0]
    options, _ = by_recipient["carla@xn--bckerei-5wa.example"]
    assert "SMTPUTF8" not in options  # an IDNA domain needs no SMTPUTF8


async def test_without_smtputf8_a_non_ascii_local_part_is_dead_at_once(settings_for) -> None:
    deliveries, server, seconds = await _send_to(settings_for, False, LOCAL_AND_DOMAIN, DOMAIN_ONLY)
    ben, carla = deliveries[LOCAL_AND_DOMAIN], deliveries[DOMAIN_ONLY]
    assert ben["state"] == "dead" and ben["attempts"] == 1
    assert "needs SMTPUTF8" in ben["last_error"] and LOCAL_AND_DOMAIN in ben["last_error"]
    assert carla["state"] == "sent"
    assert [rcpts for rcpts, _, _ in server.received] == [["carla@xn--bckerei-5wa.example"]]
    assert seconds < 15  # at once, not after a round of retries
