"""HTTP routes after the meeting: outcomes and the report (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from aiq_events.outcomes.rules import as_csv
from aiq_events.outcomes.schemas import MeetingReport, Outcome, OutcomesCreate
from aiq_events.outcomes.service import OutcomesService
from aiq_events.roles import STAFF
from aiq_shared.auth import CurrentScope
from aiq_shared.pagination import Page, PageParams, page_params
from aiq_shared.spreadsheets import CSV_MEDIA_TYPE


async def _outcomes(request: Request) -> OutcomesService:
    return request.app.state.outcomes


Outcomes = Annotated[OutcomesService, Depends(_outcomes)]
Paging = Annotated[PageParams, Depends(page_params)]

router = APIRouter(prefix="/events/{event_id}", tags=["outcomes"])


@router.post(
    "/outcomes",
    dependencies=[STAFF],
    status_code=status.HTTP_201_CREATED,
    summary="Notes and follow-ups per organisation or person, for the contact history",
)
async def record_outcomes(
    event_id: str, body: OutcomesCreate, outcomes: Outcomes, scope: CurrentScope
) -> list[Outcome]:
    return await outcomes.record_outcomes(event_id, body, scope)


@router.get("/outcomes", dependencies=[STAFF])
async def list_outcomes(
    event_id: str, outcomes: Outcomes, paging: Paging, scope: CurrentScope
) -> Page[Outcome]:
    return await outcomes.list_outcomes(event_id, paging, scope)


@router.get(
    "/report",
    dependencies=[STAFF],
    summary="Who came from which district, which tables drew whom, no-shows, walk-ins",
    responses={200: {"content": {"text/csv": {}}}},
)
async def meeting_report(
    event_id: str,
    outcomes: Outcomes,
    scope: CurrentScope,
    format: Annotated[
        Literal["json", "csv"], Query(description="csv: one row a registration")
    ] = "json",
) -> MeetingReport:
    built = await outcomes.report(event_id, scope)
    if format == "csv":
        return Response(  # type: ignore[return-value]
            as_csv(built.rows),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="treffen-{event_id}.csv"'},
        )
    return built
