"""*Veranstaltungen*: the list, creating and changing a meeting, its overview with the steps
of its life (publish, cancel, close)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.formatting import local_input
from aiq_staff.meeting_forms import AGENDA_ROWS, ROUND_ROWS, TABLE_ROWS, change_body, meeting_body
from aiq_staff.meeting_forms import meeting_values as values_of_meeting
from aiq_staff.reference import reference
from aiq_staff.security import check_csrf
from aiq_staff.web import ApisDep, act, after_post, flash, form_error, render

router = APIRouter(dependencies=[Depends(check_csrf)])
FORMATS = [
    ("network_meeting", "Netzwerktreffen"),
    ("speed_week", "Speed-Woche"),
    ("school_ag", "Schul-AG"),
    ("info_session", "Infoveranstaltung"),
]
AGENDA_KINDS = [
    ("welcome", "Begrüßung"),
    ("keynote", "Vortrag"),
    ("input", "Impuls"),
    ("topic_tables", "Thementische"),
    ("informal", "Ausklang"),
    ("other", "Sonstiges"),
]
SELECTIONS = [
    ("choose", "frei wählen (wer zuerst kommt)"),
    ("rank", "nach Wunschreihenfolge zuteilen"),
]
STATUS_FILTER = [
    ("draft", "Entwurf"),
    ("published", "veröffentlicht"),
    ("closed", "abgeschlossen"),
    ("cancelled", "abgesagt"),
]
TABS = (
    ("", "Überblick"),
    ("/einladungen", "Einladungen"),
    ("/anmeldungen", "Anmeldungen"),
    ("/tische", "Thementische"),
    ("/einlass", "Einlass"),
    ("/ergebnisse", "Ergebnisse"),
    ("/bericht", "Bericht"),
    ("/emails", "E-Mails"),
)


def tabs(meeting_id: str, current: str) -> list[dict]:
    base = f"/veranstaltungen/{meeting_id}"
    return [{"href": base + s, "label": t, "current": s == current} for s, t in TABS]


async def _choices(request: Request, apis) -> dict:
    ref = await reference(request, apis)
    return {
        "formats": FORMATS,
        "agenda_kinds": AGENDA_KINDS,
        "selections": SELECTIONS,
        "districts": ref.districts,
        "officers": ref.officers,
        "agenda_rows": AGENDA_ROWS,
        "table_rows": TABLE_ROWS,
        "round_rows": ROUND_ROWS,
    }


@router.get("/veranstaltungen")
async def meeting_list(
    request: Request, apis: ApisDep, status: str | None = None, cursor: str | None = None
):
    user = apis.user
    districts = None if user.sees_all else user.districts
    page = await apis.events.meetings.list(
        {"district": districts, "status": status, "limit": 50, "cursor": cursor}
    )
    meetings = sorted(page["items"], key=lambda m: m["starts_at"], reverse=True)
    context = {
        "meetings": meetings,
        "page": page,
        "status": status or "",
        "statuses": STATUS_FILTER,
    }
    return render(request, "meetings.html", context)


@router.get("/veranstaltungen/neu")
async def new_meeting(request: Request, apis: ApisDep):
    user = apis.user
    values = {
        "format": "network_meeting",
        "table_selection": "choose",
        "capacity": "60",
        "districts": list(user.districts),
        "organising_officer": user.username,
    }
    context = {"values": values, "editing": None, **await _choices(request, apis)}
    return render(request, "meeting_form.html", context)


@router.post("/veranstaltungen/neu")
async def create_meeting(request: Request, apis: ApisDep):
    values = forms.values_of(await request.form(), frozenset({"districts"}))
    body, shown = meeting_body(values)
    try:
        created = await apis.events.meetings.create(body)
    except ApiProblem as problem:
        context = {"editing": None, **await _choices(request, apis)}
        return form_error(request, "meeting_form.html", problem, shown, context)
    return after_post(
        f"/veranstaltungen/{created['id']}", "Das Treffen ist angelegt (Entwurf).", request
    )


@router.get("/veranstaltungen/{meeting_id}/bearbeiten")
async def edit_meeting(request: Request, meeting_id: str, apis: ApisDep):
    meeting = await apis.events.meetings.get(meeting_id)
    context = {
        "values": values_of_meeting(meeting, local_input),
        "editing": meeting,
        **await _choices(request, apis),
    }
    return render(request, "meeting_form.html", context)


@router.post("/veranstaltungen/{meeting_id}/bearbeiten")
async def change_meeting(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.values_of(await request.form(), frozenset({"districts"}))
    try:
        await apis.events.meetings.change(meeting_id, change_body(values))
    except ApiProblem as problem:
        meeting = await apis.events.meetings.get(meeting_id)
        context = {"editing": meeting, **await _choices(request, apis)}
        shown = {**values_of_meeting(meeting, local_input), **values}
        return form_error(request, "meeting_form.html", problem, shown, context)
    return after_post(
        f"/veranstaltungen/{meeting_id}",
        "Die Änderungen sind gespeichert; Angemeldete werden benachrichtigt.",
        request,
    )


@router.get("/veranstaltungen/{meeting_id}")
async def meeting_page(request: Request, meeting_id: str, apis: ApisDep):
    meeting, report, campaigns = await asyncio.gather(
        apis.events.meetings.get(meeting_id),
        apis.events.meetings.report(meeting_id),
        apis.notifications.campaigns(meeting_id),
    )
    context = {
        "meeting": meeting,
        "report": report,
        "campaigns": campaigns["items"],
        "tabs": tabs(meeting_id, ""),
    }
    return render(request, "meeting.html", context)


ACTIONS = {
    "veroeffentlichen": ("publish", {"invite": False}, "Das Treffen ist veröffentlicht."),
    "absagen": ("cancel", None, "Das Treffen ist abgesagt; alle Angemeldeten erfahren es."),
    "abschliessen": (
        "close",
        None,
        "Das Treffen ist abgeschlossen; wer nicht eingecheckt war, zählt als nicht erschienen.",
    ),
}


@router.post("/veranstaltungen/{meeting_id}/aktion/{action}")
async def meeting_action(request: Request, meeting_id: str, action: str, apis: ApisDep):
    if action not in ACTIONS:
        return render(request, "error.html", {"message": "Unbekannte Aktion."}, status=404)
    form = await request.form()
    if action in ("absagen", "abschliessen") and form.get("confirm") != "ja":
        flash(request, "Bitte bestätigen Sie mit dem Häkchen.", "warning")
        return after_post(f"/veranstaltungen/{meeting_id}#aktionen")
    api_action, body, message = ACTIONS[action]
    call = apis.events.meetings.act(meeting_id, api_action, body)
    return await act(request, call, f"/veranstaltungen/{meeting_id}", message)
