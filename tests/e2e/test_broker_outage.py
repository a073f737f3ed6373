"""The broker goes away and comes back (empty, as tansu does): nothing written meanwhile is lost.

A person created while Kafka is down waits in the contacts outbox; when the broker is back the
services reconnect, recreate what they need, and the events service learns of the person.
"""

from __future__ import annotations

import time

import httpx
import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import local, logs_of, upcoming, wait_for

pytestmark = pytest.mark.e2e

STARTS, ENDS = upcoming()


def test_writes_during_a_broker_outage_arrive_once_it_is_back(tmp_path) -> None:
    config = StackConfig.isolated(tmp_path, "outage", memory=True)
    stack = Stack(config)
    stack.start()
    try:
        http = stack.http(timeout=10)
        contacts, events = stack.url("contacts"), stack.url("events")
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Autohaus Borsig", "district": "Hörde"}
        ).json()
        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Infoveranstaltung",
                "format": "info_session",
                "starts_at": local(STARTS),
                "ends_at": local(ENDS),
                "venue": {"name": "Autohaus Borsig"},
                "capacity": 5,
                "districts": ["Hörde"],
            },
        ).json()
        http.post(f"{events}/events/{meeting['id']}/publish").raise_for_status()

        stack.stop_kafka()
        person = http.post(
            f"{contacts}/people",
            json={
                "first_name": "Jonas",
                "last_name": "Wagner",
                "organisation_id": organisation["id"],
            },
        )
        assert person.status_code == 201  # the write does not wait for Kafka
        time.sleep(2)
        assert http.get(f"{contacts}/ready").json()["checks"]["outbox_pending"] == 1
        stack.start_kafka()

        def registered() -> httpx.Response | None:
            response = http.post(
                f"{events}/events/{meeting['id']}/registrations",
                json={"person_id": person.json()["id"]},
            )
            return response if response.status_code == 201 else None

        assert wait_for(registered, timeout=60, interval=0.5).json()["status"] == "confirmed"
        # and the outbox drains (the registration's history in contacts, and after the
        # broker's empty restart the kept records published again, pass through it too)
        wait_for(
            lambda: http.get(f"{contacts}/ready").json()["checks"]["outbox_pending"] == 0,
            timeout=30,
        )
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()
