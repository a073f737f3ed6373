"""The shared helpers every service uses: clock, German dates, spreadsheets, signed links."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from aiq_shared.clock import FrozenClock
from aiq_shared.dates import BERLIN, clock_time, german_date, german_datetime, in_berlin, time_span
from aiq_shared.links import ExpiredLink, InvalidLink, LinkClaims, read_link, sign_link
from aiq_shared.spreadsheets import safe_cell, write_csv, write_xlsx

SECRET = "a-link-secret-of-the-tests-32-bytes-or-more"
SPRING = datetime(2026, 4, 16, 14, 0, tzinfo=UTC)  # 16:00 in Dortmund (summer time)


def test_a_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(SPRING)
    assert clock.now() == SPRING
    clock.advance(timedelta(hours=1))
    assert clock.now() == SPRING + timedelta(hours=1)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))  # no time zone: refused


def test_german_dates_in_berlin_time() -> None:
    assert german_date(SPRING) == "Donnerstag, 16. April 2026"
    assert german_date(date(2026, 12, 24)) == "Donnerstag, 24. Dezember 2026"
    assert clock_time(SPRING) == "16:00"
    assert german_datetime(datetime(2026, 1, 5, 9, 30, tzinfo=UTC)) == "05.01.2026, 10:30 Uhr"
    assert time_span(SPRING, SPRING + timedelta(hours=3)) == (
        "Donnerstag, 16. April 2026, 16:00 bis 19:00 Uhr"
    )
    assert "bis Freitag, 17. April 2026, 10:00 Uhr" in time_span(
        SPRING, SPRING + timedelta(hours=18)
    )
    assert in_berlin(datetime(2026, 4, 16, 16, 0)) == SPRING.astimezone(BERLIN)


def test_cells_never_run_as_formulas() -> None:
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("+49 231") == "'+49 231"
    assert safe_cell("@home") == "'@home"
    assert safe_cell("Müller GmbH") == "Müller GmbH"
    assert safe_cell(True) == "ja" and safe_cell(None) == "" and safe_cell(3) == 3
    assert safe_cell(["a", "b"]) == "a, b"
    assert safe_cell(date(2026, 4, 16)) == "16.04.2026"


def test_csv_opens_in_german_excel_and_xlsx_keeps_the_guard() -> None:
    data = write_csv(["Name", "Ort"], [["=1+1", "Hörde"], ["Café; Bar", None]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Name", "Ort"], ["'=1+1", "Hörde"], ["Café; Bar", ""]]
    sheet = load_workbook(io.BytesIO(write_xlsx(["Name"], [["-3+4"]]))).active
    assert sheet.cell(2, 1).value == "'-3+4"


class Rsvp(LinkClaims):
    invitation_id: str


def test_links_are_single_purpose_typed_and_expire() -> None:
    token = sign_link(
        "rsvp",
        Rsvp(invitation_id="inv1"),
        SECRET,
        issued_at=SPRING,
        expires_at=SPRING + timedelta(days=1),
    )
    claims, expires = read_link(token, "rsvp", Rsvp, SECRET, now=SPRING)
    assert claims.invitation_id == "inv1" and expires == SPRING + timedelta(days=1)
    with pytest.raises(InvalidLink):
        read_link(token, "unsubscribe", Rsvp, SECRET, now=SPRING)  # another purpose
    with pytest.raises(InvalidLink):
        read_link(token, "rsvp", Rsvp, SECRET + "x", now=SPRING)  # forged
    with pytest.raises(InvalidLink):
        read_link(token[:-3] + "abc", "rsvp", Rsvp, SECRET, now=SPRING)  # edited
    with pytest.raises(ExpiredLink):
        read_link(token, "rsvp", Rsvp, SECRET, now=SPRING + timedelta(days=2))
    late, _ = read_link(
        token, "rsvp", Rsvp, SECRET, now=SPRING + timedelta(days=2), check_expiry=False
    )
    assert late.invitation_id == "inv1"

    class Other(LinkClaims):
        person_id: str

    with pytest.raises(InvalidLink):
        read_link(token, "rsvp", Other, SECRET, now=SPRING)  # claims of another shape
