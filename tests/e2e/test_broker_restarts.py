"""The broker goes away while registrations keep arriving, and comes back empty (as the
embedded one always does), twice: every registration accepted before, during and after is
confirmed by exactly one email. Topics are created again, consumer positions past the new
logs' ends start over, and the dedupe records keep anyone from hearing twice.

Printed: accepted / confirmed / duplicates / lost. ``AIQ_FAULT_OUTAGE_S`` sets how long the
broker stays away (default 30 s).
"""

from __future__ import annotations

import collections
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import local, logs_of, mails, upcoming, wait_for

OUTAGE_S = float(os.environ.get("AIQ_FAULT_OUTAGE_S", "30"))
PEOPLE = 60
# the stack and 60 people (~60 s), two outages with registrations spread over 3 of them, and
# up to 120 s for the last confirmations
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(int(60 + OUTAGE_S * 4 + 120 + 60))]


def test_every_registration_is_confirmed_once_across_two_empty_broker_restarts(tmp_path) -> None:
    config = StackConfig.isolated(
        tmp_path,
        "restarts",
        memory=True,
        extra_env={"AIQ_NOTIFICATIONS_SENDER_POLL_INTERVAL_S": "0.2"},
    )
    stack = Stack(config)
    stack.start()
    try:
        http = stack.http(timeout=30)
        contacts, events = stack.url("contacts"), stack.url("events")
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Autohaus Borsig", "district": "Hörde"}
        ).json()

        def person(i: int) -> str:
            response = http.post(
                f"{contacts}/people",
                json={
                    "first_name": f"Gast{i}",
                    "last_name": "Hörde",
                    "email": f"gast{i}@borsig.example",
                    "organisation_id": organisation["id"],
                },
            )
            response.raise_for_status()
            return response.json()["id"]

        with ThreadPoolExecutor(4) as pool:
            people = list(pool.map(person, range(PEOPLE)))
        starts, ends = upcoming()
        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Netzwerktreffen Hörde",
                "starts_at": local(starts),
                "ends_at": local(ends),
                "venue": {"name": "Café Durchblick"},
                "capacity": PEOPLE,
                "districts": ["Hörde"],
            },
        ).json()
        http.post(f"{events}/events/{meeting['id']}/publish", json={"invite": False})
        # everyone known to the events service before the broker goes
        wait_for(lambda: _everyone_known(http, events, meeting["id"], people[-1]), timeout=60)

        accepted: list[str] = []
        refused: list[int] = []
        queue = collections.deque(people)
        done = threading.Event()

        def register_steadily() -> None:
            while queue and not done.is_set():
                person_id = queue.popleft()
                try:
                    response = http.post(
                        f"{events}/events/{meeting['id']}/registrations",
                        json={"person_id": person_id},
                    )
                except Exception:  # a refused connection is not an accepted registration
                    refused.append(-1)
                    continue
                if response.status_code == 201:
                    accepted.append(person_id)
                else:
                    refused.append(response.status_code)
                time.sleep(OUTAGE_S * 3 / PEOPLE)  # spread over the run

        worker = threading.Thread(target=register_steadily)
        worker.start()
        for _ in range(2):  # twice: before and during the second outage too
            time.sleep(OUTAGE_S / 3)
            stack.stop_kafka()
            time.sleep(OUTAGE_S)
            stack.start_kafka()
        worker.join(timeout=OUTAGE_S * 4)
        done.set()
        assert not worker.is_alive()

        def confirmations() -> collections.Counter:
            return collections.Counter(
                m["To"].addresses[0].username
                for m in mails(stack.mail_dir)
                if m["Subject"].startswith("Anmeldung bestätigt")
            )

        expected = {f"gast{people.index(p)}" for p in accepted}

        def all_confirmed() -> bool:
            return expected <= set(confirmations())

        try:
            wait_for(all_confirmed, timeout=120, interval=1)
        finally:
            counts = confirmations()
            lost = expected - set(counts)
            duplicates = sum(n - 1 for n in counts.values() if n > 1)
            print(
                f"\nbroker away {OUTAGE_S:.0f} s twice: accepted {len(accepted)}, "
                f"confirmed {len(expected & set(counts))}, duplicates {duplicates}, "
                f"lost {len(lost)}, refused {len(refused)} {collections.Counter(refused)}"
            )
            in_log = _people_in_the_log(stack.kafka, "aiq.registrations")
            lost_ids = {people[int(name.removeprefix("gast"))] for name in lost}
            print("lost but in the log:", len(lost_ids & in_log), "of", len(lost_ids))
            if lost:
                print("lost:", sorted(lost))
            for service in ("contacts", "events", "notifications"):
                print(service, http.get(f"{stack.url(service)}/ready").json()["checks"])
        assert not lost and duplicates == 0
        assert len(accepted) >= PEOPLE // 2  # the API kept taking registrations
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()


def _everyone_known(http, events: str, meeting_id: str, person_id: str) -> bool:  # type: ignore[no-untyped-def]
    preview = http.post(
        f"{events}/events/{meeting_id}/invitations/preview",
        json={"target": {"districts": ["Hörde"]}},
    )
    return preview.status_code == 200 and preview.json()["matched"] >= PEOPLE


def _people_in_the_log(bootstrap: str, topic: str) -> set[str]:
    """The person ids of the registration events the broker holds now."""
    import asyncio
    import json

    from aiokafka import AIOKafkaConsumer

    async def read() -> set[str]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
        )
        await consumer.start()
        found: set[str] = set()
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    found |= {json.loads(r.value)["person_id"] for r in records}
        finally:
            await consumer.stop()
        return found

    return asyncio.run(read())
