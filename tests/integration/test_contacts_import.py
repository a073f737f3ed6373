"""Import and export on real servers: a few hundred generated rows, some broken; a dry run
writes nothing, the real import writes the good rows as a job with progress, queued in the
database (a restart loses no queued import); lists export as CSV and XLSX."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from asgi_lifespan import LifespanManager
from openpyxl import Workbook, load_workbook

from aiq_contacts.app import create_app
from aiq_contacts.imports.rules import COLUMNS
from aiq_contacts.settings import ContactsSettings
from aiq_shared.clock import SYSTEM_CLOCK, Clock, FrozenClock
from aiq_shared.mongo import create_client
from aiq_shared.spreadsheets import XLSX_MEDIA_TYPE as XLSX
from helpers import eventually, service_client

pytestmark = pytest.mark.integration

ROWS = 300
DISTRICTS = ("Hörde", "Eving", "Brackel")


def _generated() -> tuple[bytes, set[int]]:
    """A CSV of ROWS people at ROWS/2 companies; returns it and the broken rows' numbers."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";")
    writer.writeheader()
    broken = set()
    for i in range(ROWS):
        row = {
            "organisation_name": f"Betrieb {i // 2} GmbH",
            "industry": "Handwerk" if i % 3 else "Logistik",
            "district": DISTRICTS[(i // 2) % 3],
            "postcode": f"44{(i // 2) % 1000:03d}",
            "partner_since": "2020-10-01" if i % 4 == 0 else "",
            "status": "active",
            "organisation_tags": "import; 2026",
            "first_name": f"Vorname{i}",
            "last_name": "Import",
            "email": f"p{i}@import.example",
            "email_consent": "ja" if i % 2 == 0 else "nein",
        }
        number = i + 2
        if i % 25 == 7:
            row["email"] = "kaputt"
            broken.add(number)
        elif i % 25 == 13:
            row["district"] = "Atlantis"
            broken.add(number)
        elif i % 50 == 20:
            row["partner_since"] = "Herbst 2020"
            broken.add(number)
        elif i == 150:
            row["person_kind"] = "student"  # a student at a company: refused by the service
            broken.add(number)
        elif i == ROWS - 1:
            row["email"] = "p0@import.example"  # the first row's address again
            broken.add(number)
        writer.writerow(row)
    return out.getvalue().encode(), broken


@pytest.mark.timeout(300)  # a few hundred rows on the embedded server of a busy machine
async def test_a_dry_run_then_an_import_job_then_exports(contacts) -> None:
    data, broken = _generated()
    headers = {"Content-Type": "text/csv"}

    dry = await contacts.post("/imports", params={"dry_run": "true"}, content=data, headers=headers)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["status"] == "done" and report["dry_run"] is True
    assert report["total_rows"] == ROWS and report["processed_rows"] == ROWS
    assert {e["row"] for e in report["errors"]} == broken
    assert report["valid_rows"] == ROWS - len(broken)
    assert (await contacts.get("/people")).json()["total"] == 0  # nothing written
    assert (await contacts.get("/organisations")).json()["total"] == 0
    assert (await contacts.get(f"/imports/{report['id']}")).json() == report

    started = await contacts.post("/imports", content=data, headers=headers)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    seen = []

    async def finished():  # type: ignore[no-untyped-def]
        job = (await contacts.get(f"/imports/{job_id}")).json()
        seen.append((job["status"], job["processed_rows"]))
        return job if job["status"] in ("done", "failed") else None

    job = await eventually(finished, timeout=120, interval=0.3)
    assert job["status"] == "done", job
    assert any(status in ("queued", "running") for status, _ in seen[:-1]), seen
    assert {e["row"] for e in job["errors"]} == broken
    by_row = {e["row"]: " ".join(e["errors"]) for e in job["errors"]}
    assert "email" in by_row[2 + 7] and "Atlantis" in by_row[2 + 13]
    assert "school" in by_row[2 + 150] and "earlier row" in by_row[ROWS + 1]
    assert "p0@import.example" not in str(job)  # the report keeps no addresses
    assert job["created_people"] == ROWS - len(broken)
    assert job["created_organisations"] + job["reused_organisations"] == job["valid_rows"]

    people = (await contacts.get("/people", params={"limit": 1})).json()
    assert people["total"] == ROWS - len(broken)
    organisations = (await contacts.get("/organisations", params={"limit": 1})).json()
    assert organisations["total"] == job["created_organisations"]
    consenting = (await contacts.get("/people", params={"has_consent": "true"})).json()
    assert 0 < consenting["total"] < people["total"]
    anyone = (await contacts.get("/people", params={"q": "vorname4"})).json()["items"][0]
    history = (await contacts.get(f"/people/{anyone['id']}/consents")).json()
    assert history[0]["source"] == "import"
    again = (await contacts.get(f"/imports/{job_id}")).json()
    assert again == job  # still there after it finished

    in_hoerde = (await contacts.get("/people", params={"district": "Hörde"})).json()["total"]
    exported = await contacts.get("/people/export", params={"district": "Hörde"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == in_hoerde and {line["district"] for line in lines} == {"Hörde"}
    assert lines[0]["organisation_name"].startswith("Betrieb")

    xlsx = await contacts.get(
        "/organisations/export", params={"format": "xlsx", "industry": "Logistik"}
    )
    assert xlsx.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    logistik = (await contacts.get("/organisations", params={"industry": "Logistik"})).json()
    assert rows[0][:2] == ("id", "organisation_name") and len(rows) - 1 == logistik["total"]

    # an exported list can be imported again: every organisation is found, none doubled
    orgs_csv = (await contacts.get("/organisations/export")).content
    reimport = await contacts.post(
        "/imports", params={"dry_run": "true"}, content=orgs_csv, headers=headers
    )
    assert reimport.json()["errors"] == []
    assert reimport.json()["reused_organisations"] == organisations["total"]


async def test_an_xlsx_file_is_imported_too(contacts) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["organisation_name", "district", "partner_since", "first_name", "last_name"])
    sheet.append(["Zeche IT", "Eving", datetime(2021, 3, 1), "Ayşe", "Yılmaz"])
    sheet.append(["Zeche IT", "Eving", None, "Olaf", None])
    out = io.BytesIO()
    workbook.save(out)
    started = await contacts.post(
        "/imports", content=out.getvalue(), headers={"Content-Type": XLSX}
    )
    assert started.status_code == 202, started.text

    async def finished():  # type: ignore[no-untyped-def]
        job = (await contacts.get(f"/imports/{started.json()['id']}")).json()
        return job if job["status"] == "done" else None

    job = await eventually(finished, timeout=60)
    assert job["created_organisations"] == 1 and job["created_people"] == 1, str(job)
    assert [e["row"] for e in job["errors"]] == [3]  # Olaf has no last name
    zeche = (await contacts.get("/organisations", params={"q": "zeche"})).json()["items"][0]
    assert zeche["partner_since"] == "2021-03-01"


async def test_unreadable_files_are_refused_clearly(contacts) -> None:
    empty = await contacts.post("/imports", content=b"", headers={"Content-Type": "text/csv"})
    assert empty.status_code == 422
    assert empty.headers["content-type"] == "application/problem+json"
    broken = await contacts.post("/imports", content=b"PK\x03\x04", headers={"Content-Type": XLSX})
    assert broken.status_code == 422
    assert (await contacts.get("/imports/nope")).status_code == 404


async def test_a_queued_import_waits_in_the_database_across_a_restart(settings_for) -> None:
    """The first import is cut off by the restart (it reads as failed once it has been silent
    for ten minutes); the second, queued behind it, runs when the service is back."""
    settings = settings_for(ContactsSettings, "contacts")
    headers = {"Content-Type": "text/csv"}
    big, _ = _generated()
    small = b"organisation_name;district\nZeche Nachtschicht;Eving\n"
    async with _contacts(settings) as contacts:
        first = (await contacts.post("/imports", content=big, headers=headers)).json()["id"]

        async def running() -> bool:
            return (await contacts.get(f"/imports/{first}")).json()["status"] == "running"

        await eventually(running, timeout=30, interval=0.05)
        second = (await contacts.post("/imports", content=small, headers=headers)).json()["id"]
        assert (await contacts.get(f"/imports/{second}")).json()["status"] == "queued"

    eleven_minutes_on = FrozenClock(datetime.now(UTC) + timedelta(minutes=11))
    async with _contacts(settings, eleven_minutes_on) as contacts:

        async def done():  # type: ignore[no-untyped-def]
            job = (await contacts.get(f"/imports/{second}")).json()
            return job if job["status"] == "done" else None

        job = await eventually(done, timeout=60)
        assert job["created_organisations"] == 1 and job["errors"] == []
        cut_off = (await contacts.get(f"/imports/{first}")).json()
        assert cut_off["status"] == "failed" and "stalled" in cut_off["failure"]
        assert cut_off["processed_rows"] < ROWS  # saved every 25 rows: perhaps none yet

    client = create_client(settings.mongo_url)
    try:  # neither job's rows (personal data) are kept once it has run or failed
        assert await client[settings.mongo_db]["import_rows"].count_documents({}) == 0
        stored = await client[settings.mongo_db]["import_jobs"].find_one({"_id": first})
        assert stored is not None and stored["status"] == "failed"
    finally:
        await client.close()


@pytest.fixture
async def contacts(settings_for):  # type: ignore[no-untyped-def]
    """The contacts service alone: no other service's consumer shares its database server
    while an import writes (the embedded one runs one transaction at a time)."""
    async with _contacts(settings_for(ContactsSettings, "contacts")) as client:
        yield client


@contextlib.asynccontextmanager
async def _contacts(settings: ContactsSettings, clock: Clock = SYSTEM_CLOCK):  # type: ignore[no-untyped-def]
    app = create_app(settings, clock=clock)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        service_client(manager.app, settings, "contacts") as contacts,
    ):
        await eventually(lambda: _ready(contacts), timeout=60)
        yield contacts


async def _ready(contacts) -> bool:  # type: ignore[no-untyped-def]
    return (await contacts.get("/ready")).status_code == 200
