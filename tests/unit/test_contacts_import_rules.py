"""Import rows and tables: every problem of a row is named; CSV and XLSX read alike."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from aiq_contacts.imports import rules as imports
from aiq_contacts.imports import uploads
from aiq_contacts.imports.schemas import ImportJob, RowError
from aiq_contacts.organisations.industries import Industries, default_setting
from aiq_contacts.organisations.officers import Officers
from aiq_contacts.organisations.reference import Reference
from aiq_devstack.staff import DEVELOPMENT_STAFF
from aiq_shared import spreadsheets
from aiq_shared.districts import DORTMUND
from aiq_shared.errors import Conflict, Unprocessable
from aiq_shared.staff import Staff

REFERENCE = Reference(DORTMUND, Industries(default_setting()), Officers(Staff(DEVELOPMENT_STAFF)))
ROW = {
    "organisation_name": "Bäckerei Sonnenschein",
    "industry": "Handwerk",
    "district": "Brackel",
    "postcode": "44309",
    "partner_since": "2020-10-01",
    "organisation_tags": "ihk; speed-woche",
    "first_name": "Anna",
    "last_name": "Schmidt",
    "email": "Anna@Sonnenschein.example",
    "email_consent": "ja",
}


def parse(raw: dict[str, str]):  # type: ignore[no-untyped-def]
    return imports.parse_row(7, raw, REFERENCE)


def test_a_good_row_is_an_organisation_and_a_person() -> None:
    row = parse(ROW)
    assert isinstance(row, imports.ImportRow)
    assert row.organisation is not None and row.organisation.tags == ["ihk", "speed-woche"]
    assert row.organisation.address is not None and row.organisation.address.postcode == "44309"
    assert row.person is not None and row.person.email == "anna@sonnenschein.example"
    assert row.person.email_consent is True and row.person.district is None


def test_a_row_may_be_only_an_organisation_or_only_a_person() -> None:
    only_org = parse({"organisation_name": "X", "district": "Eving"})
    assert isinstance(only_org, imports.ImportRow) and only_org.person is None
    only_person = parse({"first_name": "A", "last_name": "B", "district": "Eving"})
    assert isinstance(only_person, imports.ImportRow) and only_person.organisation is None
    assert only_person.person is not None and only_person.person.district == "Eving"
    assert isinstance(parse({"first_name": "A", "last_name": "B"}), RowError)
    assert parse({"city": "Dortmund"}).errors == [  # type: ignore[union-attr]
        "the row names neither an organisation nor a person"
    ]


def test_every_problem_of_a_broken_row_is_reported_by_row_number() -> None:
    broken = parse(
        {
            **ROW,
            "district": "Atlantis",
            "industry": "Raumfahrt",
            "partner_since": "Herbst 2020",
            "email": "kaputt",
            "email_consent": "vielleicht",
            "colour": "blau",
        }
    )
    assert isinstance(broken, RowError) and broken.row == 7
    text = " | ".join(broken.errors)
    for expected in ("unknown columns: colour", "partner_since", "person email", "email_consent"):
        assert expected in text
    without_date = parse({**ROW, "district": "Atlantis", "industry": "Raumfahrt"})
    assert without_date.errors == [  # type: ignore[union-attr]
        "unknown district 'Atlantis'",
        "unknown industry 'Raumfahrt'",
    ]


def test_exported_id_columns_are_ignored_on_import() -> None:
    assert isinstance(parse({**ROW, "id": "abc", "organisation_id": "def"}), imports.ImportRow)


def test_csv_with_semicolons_in_windows_1252_is_read() -> None:
    data = "organisation_name;district\nBäckerei;Hörde\n".encode("cp1252")
    assert uploads.read_table(data, "text/csv", imports.COLUMNS) == [
        {"organisation_name": "Bäckerei", "district": "Hörde"}
    ]
    with pytest.raises(Unprocessable):
        uploads.read_table(b"", "text/csv", imports.COLUMNS)
    with pytest.raises(Unprocessable):  # JSON is not a table with our columns
        uploads.read_table(b"{}", "text/csv", imports.COLUMNS)


def test_xlsx_is_read_and_written_and_formulas_are_defused() -> None:
    written = spreadsheets.write_xlsx(["name", "tags", "n"], [["=HYPERLINK()", ["a", "b"], 3]])
    sheet = load_workbook(io.BytesIO(written)).active
    assert [c.value for c in sheet[2]] == ["'=HYPERLINK()", "a, b", 3]
    workbook = Workbook()
    workbook.active.append(["Organisation_Name", "District"])
    workbook.active.append(["Zeche IT", "Eving"])
    out = io.BytesIO()
    workbook.save(out)
    assert uploads.read_table(out.getvalue(), spreadsheets.XLSX_MEDIA_TYPE, imports.COLUMNS) == [
        {"organisation_name": "Zeche IT", "district": "Eving"}
    ]
    with pytest.raises(Unprocessable):
        uploads.read_table(b"PK\x03\x04broken", None, imports.COLUMNS)


def test_csv_export_opens_in_german_excel() -> None:
    data = spreadsheets.write_csv(["a", "b"], [["x;y", None]])
    assert data.startswith("\ufeff".encode()) and b'"x;y";' in data


def test_a_job_whose_process_went_away_reads_as_failed() -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    job = ImportJob(id="j", dry_run=False, status="running", created_at=start)
    assert imports.as_seen(job, start + timedelta(minutes=5)).status == "running"
    stalled = imports.as_seen(job, start + timedelta(minutes=11))
    assert stalled.status == "failed" and "stalled" in (stalled.failure or "")
    alive = job.model_copy(update={"updated_at": start + timedelta(minutes=9)})
    assert imports.as_seen(alive, start + timedelta(minutes=11)).status == "running"
    done = job.model_copy(update={"status": "done"})
    assert imports.as_seen(done, start + timedelta(days=1)).status == "done"


def test_a_queued_job_waits_for_a_worker_however_long_it_takes() -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    queued = ImportJob(id="j", dry_run=False, status="queued", created_at=start)
    assert imports.as_seen(queued, start + timedelta(days=2)).status == "queued"
    running = queued.model_copy(update={"status": "running", "updated_at": start})
    assert imports.is_stalled(running, start + timedelta(minutes=11))
    assert not imports.is_stalled(running, start + timedelta(minutes=9))


def test_what_only_the_whole_file_shows() -> None:
    seen = imports.FileSeen()
    first = parse(ROW)
    again = parse({**ROW, "first_name": "Bea", "email": "bea@sonnenschein.example"})
    same_address = parse({**ROW, "organisation_name": "Anderer Betrieb"})
    assert isinstance(first, imports.ImportRow) and isinstance(again, imports.ImportRow)
    assert isinstance(same_address, imports.ImportRow)
    assert seen.check(first) is False  # the organisation is new in the file
    assert seen.check(again) is True  # its organisation came in an earlier row
    refused = seen.check(same_address)
    assert isinstance(refused, RowError) and refused.errors == [
        "the email appears in an earlier row"
    ]
    alone = parse({"first_name": "C", "last_name": "D", "district": "Eving"})
    assert isinstance(alone, imports.ImportRow) and seen.check(alone) is False


def test_a_refused_row_is_reported_without_the_address() -> None:
    taken = Conflict("a person with email anna@x.example exists already", existing_person_id="p")
    assert imports.row_problem(taken) == "a person with this email exists already"
    assert imports.row_problem(Unprocessable("a school has no industry")) == (
        "a school has no industry"
    )
