"""Two events-service processes (two replicas) against one database: only the database
transaction can keep the seat count, since each process's own lock knows nothing of the other.

200 people register at once for 50 seats, half through each replica: exactly 50 are
confirmed, 150 waitlisted with the numbers 1..150, and the meeting counts 50 seats taken.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from pymongo import AsyncMongoClient

from aiq_devstack.ports import free_port, wait_for_port
from aiq_devstack.staff import staff_json
from aiq_shared.auth import issue_token
from aiq_shared.contracts.contacts import PersonCreatedV1
from aiq_shared.settings import ServiceSettings
from helpers import eventually, publish

pytestmark = pytest.mark.e2e

SECRET = ServiceSettings.model_fields["auth_secret"].default


def replica(settings: dict[str, str], port: int, log_path) -> subprocess.Popen:
    env = {
        **os.environ,
        **{f"AIQ_EVENTS_{key}": value for key, value in settings.items()},
        "AIQ_EVENTS_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    log = open(log_path, "ab")  # noqa: SIM115 - the child writes to it
    return subprocess.Popen(
        [sys.executable, "-m", "aiq_events"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


@pytest.fixture
def replicas(infra, mongo_url, run_id, tmp_path):
    settings = {
        "MONGO_URL": mongo_url,
        "MONGO_DB": f"t_{run_id}_events",
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "KAFKA_IDEMPOTENCE": str(infra.kafka_idempotence).lower(),
        "KAFKA_TOPIC_PREFIX": f"t{run_id}.",
        "KAFKA_GROUP_PREFIX": f"t{run_id}",
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
        "OUTBOX_POLL_INTERVAL_S": "0.2",
        "STAFF": staff_json(),
    }
    ports = [free_port(), free_port()]
    processes = [
        replica(settings, port, tmp_path / f"events-{i}.log") for i, port in enumerate(ports)
    ]
    try:
        for port in ports:
            wait_for_port(port, timeout=60)
        yield settings, [f"http://127.0.0.1:{port}" for port in ports], tmp_path
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


async def test_capacity_holds_across_two_replicas(replicas) -> None:
    settings, urls, logs = replicas
    token = issue_token(SECRET, "test-admin", "admin")
    clients = [
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        for url in urls
    ]
    try:
        for client in clients:
            await eventually(lambda c=client: _ready(c), timeout=60)
        people = [
            PersonCreatedV1(
                person_id=f"p{i:03d}",
                first_name=f"P{i}",
                last_name="Andrang",
                district="Hörde",
            )
            for i in range(200)
        ]
        kafka = SimpleNamespace(
            kafka_bootstrap_servers=settings["KAFKA_BOOTSTRAP_SERVERS"],
            kafka_topic_prefix=settings["KAFKA_TOPIC_PREFIX"],
        )
        await publish(kafka, *people)
        await eventually(lambda: _people_known(settings, 200), timeout=60)

        starts = datetime.now(UTC) + timedelta(days=30)
        meeting = (
            await clients[0].post(
                "/events",
                json={
                    "title": "Netzwerktreffen Hörde",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                    "venue": {"name": "Café Durchblick"},
                    "capacity": 50,
                    "districts": ["Hörde"],
                },
            )
        ).json()
        published = await clients[1].post(
            f"/events/{meeting['id']}/publish", json={"invite": False}
        )
        assert published.status_code == 200, published.text

        results = await asyncio.gather(
            *(
                clients[i % 2].post(
                    f"/events/{meeting['id']}/registrations", json={"person_id": p.person_id}
                )
                for i, p in enumerate(people)
            )
        )
        assert {r.status_code for r in results} == {201}, [r.text for r in results][:3]
        statuses = [r.json()["status"] for r in results]
        assert statuses.count("confirmed") == 50
        assert statuses.count("waitlisted") == 150
        seqs = sorted(
            r.json()["waitlist_seq"] for r in results if r.json()["status"] == "waitlisted"
        )
        assert seqs == list(range(1, 151))
        for client in clients:  # both replicas read the same truth
            stored = (await client.get(f"/events/{meeting['id']}")).json()
            assert stored["seats_taken"] == 50
        print(f"\n200 registrations through 2 replicas: {statuses.count('confirmed')} confirmed, "
              f"{statuses.count('waitlisted')} waitlisted")  # fmt: skip
    finally:
        for client in clients:
            await client.aclose()


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/ready")).status_code == 200
    except httpx.HTTPError:
        return False


async def _people_known(settings: dict[str, str], count: int) -> bool:
    client = AsyncMongoClient(settings["MONGO_URL"])
    try:
        return await client[settings["MONGO_DB"]]["participants"].count_documents({}) >= count
    finally:
        await client.close()
