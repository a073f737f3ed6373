"""The day: the table assignment run (ranked tables) with its explanations, and the check-in
desk (a code typed or scanned, one tap per name, walk-ins)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.pages.meetings import tabs
from aiq_staff.pages.registrations import all_registrations
from aiq_staff.problems import page_message
from aiq_staff.reference import reference
from aiq_staff.seating import per_table
from aiq_staff.security import check_csrf
from aiq_staff.web import ApisDep, act, after_post, flash, render

router = APIRouter(dependencies=[Depends(check_csrf)])
WALK_IN_KINDS = [
    ("guest", "Gast"),
    ("contact", "Betriebskontakt"),
    ("teacher", "Lehrkraft"),
    ("student", "Schüler*in"),
]


async def _tables_context(apis, meeting_id: str) -> dict:
    meeting, regs = await asyncio.gather(
        apis.events.meetings.get(meeting_id), all_registrations(apis, meeting_id)
    )
    return {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/tische"),
        "tables": per_table(meeting, regs),
        "assigned": None,
    }


@router.get("/veranstaltungen/{meeting_id}/tische")
async def tables(request: Request, meeting_id: str, apis: ApisDep):
    return render(request, "tables.html", await _tables_context(apis, meeting_id))


@router.post("/veranstaltungen/{meeting_id}/tische/zuteilen")
async def assign_tables(request: Request, meeting_id: str, apis: ApisDep):
    """Run the assignment step (deterministic, may run again) and show its explanations."""
    try:
        result = await apis.events.meetings.act(meeting_id, "table-assignment")
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        flash(request, page_message(problem), "warning")
        return after_post(f"/veranstaltungen/{meeting_id}/tische")
    context = await _tables_context(apis, meeting_id)
    context["assigned"] = result["registrations"]
    context["table_names"] = {t["id"]: t["title"] for t in context["meeting"]["topic_tables"]}
    return render(request, "tables.html", context)


@router.get("/veranstaltungen/{meeting_id}/einlass")
async def desk(request: Request, meeting_id: str, apis: ApisDep):
    """The desk; ``?name=`` narrows the expected to those the events API finds by name."""
    name = request.query_params.get("name", "").strip()[:100]
    meeting, regs, named = await asyncio.gather(
        apis.events.meetings.get(meeting_id),
        all_registrations(apis, meeting_id),
        all_registrations(apis, meeting_id, q=name) if name else asyncio.sleep(0, None),
    )
    confirmed = [r for r in regs if r["status"] == "confirmed"]
    expected = [r for r in confirmed if not r.get("checked_in_at")]
    if named is not None:
        found = {r["id"] for r in named}
        expected = [r for r in expected if r["id"] in found]
    ref = await reference(request, apis)
    context = {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/einlass"),
        "name": name,
        "expected_total": sum(1 for r in confirmed if not r.get("checked_in_at")),
        "waiting": sorted(expected, key=lambda r: r["display_name"].casefold()),
        "arrived": sorted(
            [r for r in confirmed if r.get("checked_in_at")],
            key=lambda r: r["checked_in_at"],
            reverse=True,
        ),
        "waitlisted": [r for r in regs if r["status"] == "waitlisted"],
        "districts": [(d, d) for d in meeting["districts"] or ref.districts],
        "walk_in_kinds": WALK_IN_KINDS,
        "table_names": {t["id"]: t["title"] for t in meeting["topic_tables"]},
    }
    return render(request, "desk.html", context)


@router.post("/veranstaltungen/{meeting_id}/einlass")
async def check_in(request: Request, meeting_id: str, apis: ApisDep):
    form = await request.form()
    code = str(form.get("code") or "").strip()
    back = f"/veranstaltungen/{meeting_id}/einlass"
    if not code:
        flash(request, "Bitte geben Sie den Code ein oder scannen Sie ihn.", "warning")
        return after_post(back)
    try:
        result = await apis.events.registrations.check_in(meeting_id, code)
    except ApiProblem as problem:
        if problem.status in (401, 403):
            raise
        if problem.status == 404 or problem.status == 422:
            flash(request, f"Den Code „{code}“ kennt dieses Treffen nicht.", "warning")
        else:
            flash(request, page_message(problem) + " (Warteliste oder storniert?)", "warning")
        return after_post(back)
    registration = result["registration"]
    if result["already_checked_in"]:
        flash(request, f"{registration['display_name']} war schon eingecheckt.", "warning")
    else:
        flash(request, f"Willkommen: {registration['display_name']} ist eingecheckt.")
    return after_post(back)


@router.post("/veranstaltungen/{meeting_id}/einlass/spontan")
async def walk_in(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    body = {k: values.get(k) or None for k in ("first_name", "last_name", "district", "kind")}
    body["kind"] = body["kind"] or "guest"
    return await act(
        request,
        apis.events.registrations.walk_in(meeting_id, body),
        f"/veranstaltungen/{meeting_id}/einlass",
        lambda created: f"Willkommen: {created['display_name']} ist spontan dabei.",
    )
