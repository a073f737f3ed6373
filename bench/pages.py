"""Page times of the staff web app, as the Hörde officer waits for them, at two data sizes.

    .venv/bin/python bench/pages.py                       # demo data, then 5,000 / 20,000
    .venv/bin/python bench/pages.py --rounds 10 --organisations 1000 --people 4000

Starts the whole embedded stack with the staff app (databases in SQLite files in a temporary
folder, as ``aiq up`` keeps them), loads the demo data (``aiq up --demo``), signs in as
m.schneider (Hörde) with the development sign-in and asks for each main page ``--rounds``
times, one after the other: p50 and p95 of the whole answer (the app calling the services
with her token, rendering the page). Then the stack stops, the contacts database grows by
``--organisations`` organisations and ``--people`` people spread over Dortmund's 12 districts,
and the stack starts again on the same files (as after ``aiq up`` is stopped and run again):
the same pages again. Targets (issue 12): p95 < 300 ms with the demo data and < 600 ms with
5,000 organisations and 20,000 people.

The new records are the contacts service's own documents (its repositories' ``to_document``,
indexes as the service declares them), written in batches straight into the SQLite file
through mongoeco's engine in this process: through the wire server every inserted document
is checked against every stored one (mongoeco's unique ``_id`` check loads the whole
collection for each insert: 1,000 people took 33 s, the next 1,000 93 s), so 25,000 took
most of an hour; its batch insert in process checks a batch at once (25,000 in about two
minutes). The events and notifications services don't hear of them (their pages don't list
contacts).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bson import ObjectId
from mongoeco import AsyncMongoClient

from aiq_contacts.organisations.repository import OrganisationRepository
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people.repository import PersonRepository
from aiq_contacts.people.schemas import Person
from aiq_devstack import demo
from aiq_devstack.mongo_engine import SQLiteEngineWithoutChangeDelivery
from aiq_devstack.ports import free_port
from aiq_devstack.stack import Stack, StackConfig
from aiq_shared.districts import DORTMUND

OFFICER = "m.schneider"  # Hörde
WORDS = ("Metallbau", "Bäckerei", "Pflegedienst", "Autohaus", "Elektro", "Logistik", "Kita",
         "Gärtnerei", "Tischlerei", "Hotel", "Apotheke", "Friseur")  # fmt: skip
FIRST = ("Anna", "Ben", "Cem", "Dana", "Emre", "Frieda", "Gül", "Hanno", "Ilka", "Jörg")
LAST = ("Schmidt", "Özdemir", "Müller", "Wagner", "Yılmaz", "Becker", "Krüger", "Nowak")


def sign_in(staff: str) -> httpx.Client:
    browser = httpx.Client(base_url=staff, timeout=30, follow_redirects=True)
    form = browser.get("/anmelden").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf, "no development sign-in form"
    answer = browser.post("/anmelden", data={"csrf": csrf.group(1), "username": OFFICER})
    assert answer.status_code == 200 and "Abmelden" in answer.text, answer.text[-500:]
    return browser


def pages(http: httpx.Client, stack: Stack) -> dict[str, str]:
    """The main pages, with ids of Hörde's records from the demo data."""
    contacts, events = stack.url("contacts"), stack.url("events")
    organisation = http.get(f"{contacts}/organisations", params={"district": "Hörde"}).json()
    person = http.get(f"{contacts}/people", params={"district": "Hörde"}).json()
    meeting = http.get(f"{events}/events", params={"district": "Hörde"}).json()
    org_id, person_id = organisation["items"][0]["id"], person["items"][0]["id"]
    meeting_id = meeting["items"][0]["id"]
    return {
        "Mein Bezirk": "/",
        "Betriebe": "/betriebe",
        "Betriebe, Suche": "/betriebe?q=metall",
        "Betrieb": f"/betriebe/{org_id}",
        "Personen": "/personen",
        "Personen, Suche": "/personen?q=an",
        "Person": f"/personen/{person_id}",
        "Segmente": "/segmente",
        "Veranstaltungen": "/veranstaltungen",
        "Veranstaltung": f"/veranstaltungen/{meeting_id}",
        "Anmeldungen": f"/veranstaltungen/{meeting_id}/anmeldungen",
        "Einladungen": f"/veranstaltungen/{meeting_id}/einladungen",
        "Einlass": f"/veranstaltungen/{meeting_id}/einlass",
        "Bericht": f"/veranstaltungen/{meeting_id}/bericht",
    }


def measure(browser: httpx.Client, paths: dict[str, str], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in paths}
    for path in paths.values():
        browser.get(path)  # warm: templates compiled, connections open
    for _ in range(rounds):
        for name, path in paths.items():
            started = time.perf_counter()
            answer = browser.get(path)
            times[name].append(time.perf_counter() - started)
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def print_times(title: str, times: dict[str, list[float]], target_ms: float) -> None:
    print(f"\n{title} (target p95 < {target_ms:.0f} ms)")
    print(f"  {'page':<20} {'p50 ms':>8} {'p95 ms':>8}  ")
    for name, values in times.items():
        p95 = p(values, 0.95) * 1000
        mark = "ok" if p95 < target_ms else "SLOW"
        print(f"  {name:<20} {statistics.median(values) * 1000:8.0f} {p95:8.0f}  {mark}")
    everything = [v for values in times.values() for v in values]
    print(f"  {'all pages':<20} {statistics.median(everything) * 1000:8.0f} "
          f"{p(everything, 0.95) * 1000:8.0f}")  # fmt: skip


async def grow(path: Path, organisations: int, people: int) -> None:
    """Organisations and people as the contacts service stores them, in bulk, into its
    SQLite file (the stack stopped)."""
    org_documents, person_documents = [], []
    # to_document and indexes read no database
    org_repository = OrganisationRepository.__new__(OrganisationRepository)
    person_repository = PersonRepository.__new__(PersonRepository)
    districts = list(DORTMUND)
    for i in range(organisations):
        district = districts[i % len(districts)]
        organisation = Organisation(
            id=str(ObjectId()),
            name=f"{WORDS[i % len(WORDS)]} {LAST[i % len(LAST)]} {i}",
            district=district,
            industry="Handwerk",
        )
        org_documents.append(org_repository.to_document(organisation))
        for j in range(people // organisations):
            n = i * (people // organisations) + j
            person = Person(
                id=str(ObjectId()),
                first_name=FIRST[n % len(FIRST)],
                last_name=f"{LAST[n % len(LAST)]}{n}",
                email=f"p{n}@bench{i}.example",
                organisation_id=organisation.id,
                memberships=[{"organisation_id": organisation.id}],
                district=district,
                districts=[district],
            )
            person_documents.append(person_repository.to_document(person))
    client = AsyncMongoClient(SQLiteEngineWithoutChangeDelivery(path=str(path)))
    async with client:
        database = client["aiq_contacts"]
        for collection, repository, documents in (
            ("organisations", org_repository, org_documents),
            ("people", person_repository, person_documents),
        ):
            await database[collection].create_indexes(list(repository.indexes()))
            for start in range(0, len(documents), 2000):
                await database[collection].insert_many(documents[start : start + 2000])


@contextlib.contextmanager
def contacts_database(path: Path):  # type: ignore[no-untyped-def]
    """The contacts database server on the grown file, started here and waited for as long as
    it takes: mongoeco rebuilds every scalar index from all documents when it opens a file
    (25,000 documents: longer than the stack's 30 s wait for a port). The stack uses it
    through ``AIQ_CONTACTS_MONGO_URL``, as it would a real server."""
    port = free_port()
    command = [sys.executable, "-m", "aiq_devstack.mongo_server", "--port", str(port)]
    server = subprocess.Popen([*command, "--path", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        started = time.perf_counter()
        assert server.stdout is not None and "listening" in server.stdout.readline()
        print(f"(the contacts database opened in {time.perf_counter() - started:.0f} s)")
        os.environ["AIQ_CONTACTS_MONGO_URL"] = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        yield
    finally:
        os.environ.pop("AIQ_CONTACTS_MONGO_URL", None)
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--people", type=int, default=20000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="aiq-bench-pages-"))
    config = StackConfig.isolated(data_dir, "benchpages")
    with Stack(config) as stack, stack.http() as http:
        demo.load(stack.url("contacts"), stack.url("events"), stack.token())
        paths = pages(http, stack)
        with contextlib.closing(sign_in(stack.url("staff"))) as browser:
            print_times("demo data", measure(browser, paths, args.rounds), 300)
    started = time.perf_counter()
    contacts = data_dir / "mongo" / "contacts.sqlite"
    asyncio.run(grow(contacts, args.organisations, args.people))
    print(
        f"\n(+{args.organisations} organisations, +{args.people} people stored in "
        f"{time.perf_counter() - started:.0f} s)"
    )
    with (
        contacts_database(contacts),
        Stack(config) as stack,
        contextlib.closing(sign_in(stack.url("staff"))) as browser,
    ):
        title = f"{args.organisations} organisations, {args.people} people"
        print_times(title, measure(browser, paths, args.rounds), 600)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
