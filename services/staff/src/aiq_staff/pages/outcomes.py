"""After the meeting: outcomes per company (each becomes a note and follow-ups in its
history), the report with its CSV, and the meeting's emails with their states."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.pages.downloads import passed_on
from aiq_staff.pages.meetings import tabs
from aiq_staff.pages.organisations import FOLLOW_UP_KINDS
from aiq_staff.problems import form_problems
from aiq_staff.reference import reference
from aiq_staff.security import check_csrf
from aiq_staff.web import ApisDep, after_post, render

router = APIRouter(dependencies=[Depends(check_csrf)])
STATES = [
    ("pending", "wartet"),
    ("sent", "gesendet"),
    ("dead", "fehlgeschlagen"),
    ("stopped", "angehalten"),
]


def companies_of(rows: list[dict]) -> list[dict]:
    """One line per organisation that registered (pure): its people and whether one came."""
    found: dict[str, dict] = {}
    for row in rows:
        organisation_id = row.get("organisation_id")
        if not organisation_id:
            continue
        entry = found.setdefault(
            organisation_id,
            {
                "organisation_id": organisation_id,
                "name": row.get("organisation_name") or "?",
                "people": [],
                "attended": False,
            },
        )
        entry["people"].append(row["display_name"])
        entry["attended"] = entry["attended"] or bool(row.get("checked_in"))
    return sorted(found.values(), key=lambda e: e["name"].casefold())


def outcome_body(values: dict, recorded_by: str) -> dict:
    outcome: dict = {
        "organisation_id": values.get("organisation_id") or None,
        "note": values.get("note") or None,
        "recorded_by": recorded_by,
        "follow_ups": [],
    }
    if values.get("follow_up.title"):
        outcome["follow_ups"].append(
            {
                "kind": values.get("follow_up.kind") or "other",
                "title": values["follow_up.title"],
                "due": values.get("follow_up.due") or None,
                "owner": values.get("follow_up.owner") or None,
            }
        )
    return outcome


async def _outcomes_context(request: Request, apis, meeting_id: str) -> dict:
    meeting, report, outcomes = await asyncio.gather(
        apis.events.meetings.get(meeting_id),
        apis.events.meetings.report(meeting_id),
        apis.events.outcomes.list(meeting_id),
    )
    ref = await reference(request, apis)
    by_organisation: dict[str, list[dict]] = {}
    for outcome in outcomes["items"]:
        by_organisation.setdefault(outcome.get("organisation_id") or "", []).append(outcome)
    return {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/ergebnisse"),
        "companies": companies_of(report["rows"]),
        "recorded": by_organisation,
        "follow_up_kinds": FOLLOW_UP_KINDS,
        "officers": ref.officers,
        "open_form": None,
        "form_values": {},
    }


@router.get("/veranstaltungen/{meeting_id}/ergebnisse")
async def outcomes(request: Request, meeting_id: str, apis: ApisDep):
    return render(request, "outcomes.html", await _outcomes_context(request, apis, meeting_id))


@router.post("/veranstaltungen/{meeting_id}/ergebnisse")
async def record_outcome(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    try:
        await apis.events.outcomes.record(meeting_id, [outcome_body(values, apis.user.username)])
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        context = await _outcomes_context(request, apis, meeting_id)
        context.update(
            problems=form_problems(problem),
            form_values=values,
            open_form=values.get("organisation_id"),
        )
        return render(request, "outcomes.html", context, status=problem.status)
    return after_post(
        f"/veranstaltungen/{meeting_id}/ergebnisse",
        "Ergebnis festgehalten; es erscheint im Verlauf des Betriebs.",
        request,
    )


@router.get("/veranstaltungen/{meeting_id}/bericht")
async def report(request: Request, meeting_id: str, apis: ApisDep):
    meeting, data = await asyncio.gather(
        apis.events.meetings.get(meeting_id), apis.events.meetings.report(meeting_id)
    )
    context = {"meeting": meeting, "tabs": tabs(meeting_id, "/bericht"), "report": data}
    return render(request, "report.html", context)


@router.get("/veranstaltungen/{meeting_id}/bericht.csv")
async def report_csv(meeting_id: str, apis: ApisDep):
    return passed_on(await apis.events.meetings.report_csv(meeting_id), f"bericht-{meeting_id}.csv")


@router.get("/veranstaltungen/{meeting_id}/emails")
async def emails(
    request: Request,
    meeting_id: str,
    apis: ApisDep,
    state: str | None = None,
    cursor: str | None = None,
):
    meeting, deliveries = await asyncio.gather(
        apis.events.meetings.get(meeting_id),
        apis.notifications.deliveries(meeting_id, state, cursor),
    )
    context = {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/emails"),
        "deliveries": deliveries,
        "state": state or "",
        "states": STATES,
    }
    return render(request, "emails.html", context)
