"""Reading an uploaded table: CSV (comma, semicolon or tab; UTF-8 or Windows-1252) or XLSX
(the first sheet), as rows of the named columns. (Writing tables is aiq_shared.spreadsheets.)"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from openpyxl import load_workbook

from aiq_contacts.imports.rules import MAX_ROWS
from aiq_shared.errors import Unprocessable
from aiq_shared.spreadsheets import XLSX_MEDIA_TYPE


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unprocessable("the file is neither UTF-8 nor Windows-1252 text")


def _rows(
    header: Sequence[Any], body: Iterable[Sequence[Any]], known: Collection[str]
) -> list[dict[str, str]]:
    names = [str(h or "").strip().lower() for h in header]
    if not set(names) & set(known):
        raise Unprocessable("the first row must name the columns", columns=sorted(known))
    rows = []
    for values in body:
        cells = ["" if v is None else str(v).strip() for v in values]
        rows.append({name: cell for name, cell in zip(names, cells, strict=False) if name})
        if len(rows) > MAX_ROWS:
            raise Unprocessable(f"at most {MAX_ROWS} rows per import")
    return rows


def read_csv(data: bytes, known: Collection[str]) -> list[dict[str, str]]:
    text = _text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
        return _rows(header, reader, known)
    except StopIteration:
        raise Unprocessable("the file is empty") from None
    except csv.Error as error:
        raise Unprocessable(f"not a readable CSV file: {error}") from error


def read_xlsx(data: bytes, known: Collection[str]) -> list[dict[str, str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise Unprocessable("not a readable XLSX file") from error
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
        if header is None:
            raise Unprocessable("the file is empty")
        return _rows(header, (_cell_texts(row) for row in values), known)
    finally:
        workbook.close()


def _cell_texts(row: Sequence[Any]) -> list[Any]:
    # a date cell comes as datetime: keep its date only
    return [v.date().isoformat() if hasattr(v, "date") and callable(v.date) else v for v in row]


def read_table(
    data: bytes, content_type: str | None, known: Collection[str]
) -> list[dict[str, str]]:
    """The rows of a table whose first row names at least one of the ``known`` columns."""
    if (content_type or "").startswith(XLSX_MEDIA_TYPE) or data[:2] == b"PK":
        return read_xlsx(data, known)
    return read_csv(data, known)
