"""What the bench does to the system: people put on aiq.contacts as contacts would publish
them, meetings, registrations over HTTP at a given concurrency, a campaign, dashboard reads."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from datetime import date, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from figures import LoadFigures, Timings

from aiq_shared import topics
from aiq_shared.contracts.contacts import OrganisationCreatedV1, PersonCreatedV1
from aiq_shared.envelope import to_kafka, wrap

DAY = (date.today() + timedelta(days=30)).isoformat()


async def put_people(bootstrap: str, prefix: str, count: int, district: str = "Hörde") -> list[str]:
    """``count`` people (with consent and an address) and their company, on aiq.contacts."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    organisation = OrganisationCreatedV1(
        organisation_id=f"{prefix}-org",
        name=f"Bench {prefix}",
        district=district,
        partner_since="2021-01-01",
    )
    events = [organisation] + [
        PersonCreatedV1(
            person_id=f"{prefix}-{i:05d}",
            first_name=f"P{i}",
            last_name="Bench",
            email=f"{prefix}-{i}@bench.example",
            organisation_id=organisation.organisation_id,
            district=district,
            email_consent=True,
            consents=["invitations"],
        )
        for i in range(count)
    ]
    sends = []
    for event in events:
        record = to_kafka(wrap(event, source="/aiq/contacts"))
        sends.append(
            await producer.send(
                topics.CONTACTS, record.value, key=record.key, headers=record.headers
            )
        )
    await asyncio.gather(*sends)
    await producer.stop()
    return [e.person_id for e in events[1:]]


async def known_to_everyone(http: httpx.AsyncClient, urls: dict[str, str]) -> None:
    """Every service has read everything put on Kafka (consumer lag 0, twice in a row)."""
    quiet = 0
    while quiet < 2:
        lags = []
        for name in ("events", "notifications"):
            checks = (await http.get(f"{urls[name]}/ready")).json()["checks"]
            lags += list((checks.get("consumer_lag") or {}).values())
        quiet = quiet + 1 if lags and all(lag == 0 for lag in lags) else 0
        await asyncio.sleep(0.5)


async def settled(http: httpx.AsyncClient, urls: dict[str, str]) -> None:
    """Nothing left to do downstream: every event read, every email sent."""
    await known_to_everyone(http, urls)
    ready = f"{urls['notifications']}/ready"
    while (await http.get(ready)).json()["checks"].get("deliveries_waiting"):  # noqa: ASYNC110
        await asyncio.sleep(0.5)


async def meeting(http: httpx.AsyncClient, events: str, capacity: int, invite: bool = False) -> str:
    body = {
        "title": "Netzwerktreffen Bench",
        "starts_at": f"{DAY}T16:00:00",
        "ends_at": f"{DAY}T19:00:00",
        "venue": {"name": "Café Durchblick"},
        "capacity": capacity,
        "districts": ["Hörde"],
    }
    made = (await http.post(f"{events}/events", json=body)).json()
    if not invite:
        (
            await http.post(f"{events}/events/{made['id']}/publish", json={"invite": False})
        ).raise_for_status()
    return made["id"]


async def _registration(  # noqa: PLR0913
    http: httpx.AsyncClient,
    events: str,
    meeting_id: str,
    person: str,
    timings: Timings,
    answered: dict[str, float],
) -> None:
    """One registration: its answer's time into ``timings``, the moment into ``answered``."""
    with timings.measure():
        response = await http.post(
            f"{events}/events/{meeting_id}/registrations", json={"person_id": person}
        )
    response.raise_for_status()
    answered[person] = time.time()


async def register(
    http: httpx.AsyncClient, events: str, meeting_id: str, people: list[str], concurrency: int
) -> tuple[Timings, dict[str, float]]:
    """Register ``people`` with ``concurrency`` requests in flight; each answer's time."""
    timings = Timings()
    answered: dict[str, float] = {}
    queue = list(reversed(people))

    async def worker() -> None:
        while queue:
            await _registration(http, events, meeting_id, queue.pop(), timings, answered)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    timings.elapsed = time.perf_counter() - started
    return timings, answered


async def register_at_rate(
    http: httpx.AsyncClient, events: str, meeting_id: str, people: list[str], per_second: float
) -> tuple[Timings, dict[str, float]]:
    """Register ``people`` arriving at a steady ``per_second`` (open loop: each starts on its
    schedule whether or not earlier answers have come); each answer's time."""
    timings = Timings()
    answered: dict[str, float] = {}

    async def arrive(person: str, at: float) -> None:
        await asyncio.sleep(max(at - time.perf_counter(), 0.0))
        await _registration(http, events, meeting_id, person, timings, answered)

    started = time.perf_counter()
    await asyncio.gather(
        *(arrive(person, started + i / per_second) for i, person in enumerate(people))
    )
    timings.elapsed = time.perf_counter() - started
    return timings, answered


async def dashboard_reads(
    url: str, headers: dict, clients: int, seconds: float
) -> Timings | LoadFigures:
    """Reads of ``url`` by ``clients`` at once: by wrk (Debian's package) when it is there, so
    that the load comes from another process and not from this one's event loop (which
    managed about 500 requests/s here); else by httpx in this process."""
    if shutil.which("wrk"):
        return await _wrk(url, headers, clients, seconds)
    timings = Timings()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=60) as http:

        async def reader() -> None:
            while time.perf_counter() < deadline:
                with timings.measure():
                    (await http.get(url)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(reader() for _ in range(clients)))
        timings.elapsed = time.perf_counter() - started
    return timings


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


async def _wrk(url: str, headers: dict, clients: int, seconds: float) -> LoadFigures:
    given = [part for name, value in headers.items() for part in ("-H", f"{name}: {value}")]
    process = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{clients}", f"-d{int(seconds)}s", "--latency", *given, url,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out = (await process.communicate())[0].decode()
    if process.returncode or "Non-2xx" in out:
        raise RuntimeError(f"wrk failed or got errors:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    percentiles = {
        int(p): float(value) * _UNITS[unit]
        for p, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    return LoadFigures(rate, percentiles)
