"""HTTP routes of the exports: a filtered list as CSV (semicolons, as German Excel opens it)
or XLSX, written by aiq_shared.spreadsheets (formulas defused)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from aiq_contacts.exports.rules import Table
from aiq_contacts.exports.service import ExportService
from aiq_contacts.roles import STAFF
from aiq_contacts.search.schemas import OrganisationCriteria, PeopleCriteria
from aiq_shared.auth import CurrentScope
from aiq_shared.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv, write_xlsx

router = APIRouter()


async def _exports(request: Request) -> ExportService:
    return request.app.state.exports


Exports = Annotated[ExportService, Depends(_exports)]
Format = Annotated[Literal["csv", "xlsx"], Query(description="csv (semicolon) or xlsx")]
_TABLE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The table", "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}
}


def _table(name: str, fmt: str, table: Table) -> Response:
    columns, rows = table
    if fmt == "xlsx":
        content, media_type = write_xlsx(columns, rows), XLSX_MEDIA_TYPE
    else:
        content, media_type = write_csv(columns, rows), CSV_MEDIA_TYPE
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get(
    "/organisations/export",
    tags=["organisations"],
    summary="The filtered list as a table (CSV or XLSX), in import columns",
    description="Only the caller's districts.",
    response_class=Response,
    responses=_TABLE_RESPONSE,
    dependencies=[STAFF],
)
async def export_organisations(
    exports: Exports,
    scope: CurrentScope,
    format: Format = "csv",
    *,
    query: Annotated[OrganisationCriteria, Query()],
) -> Response:
    return _table("organisationen", format, await exports.organisations(query, scope))


@router.get(
    "/people/export",
    tags=["people"],
    summary="The filtered list as a table (CSV or XLSX), in import columns",
    description="Only people visible in the caller's districts; their organisations "
    "elsewhere are named by id.",
    response_class=Response,
    responses=_TABLE_RESPONSE,
    dependencies=[STAFF],
)
async def export_people(
    exports: Exports,
    scope: CurrentScope,
    format: Format = "csv",
    *,
    query: Annotated[PeopleCriteria, Query()],
) -> Response:
    return _table("personen", format, await exports.people(query, scope))
