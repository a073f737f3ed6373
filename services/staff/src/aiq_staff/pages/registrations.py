"""A meeting's registrations: everyone with their state, the waitlist in order, the view per
topic table and round, move-up offers, school groups; registering someone, cancelling."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.pages.meetings import tabs
from aiq_staff.seating import per_table, waitlist
from aiq_staff.security import check_csrf
from aiq_staff.web import ApisDep, act, render

router = APIRouter(dependencies=[Depends(check_csrf)])
VIEWS = (
    ("alle", "Alle"),
    ("warteliste", "Warteliste"),
    ("tische", "Je Thementisch"),
    ("gruppen", "Schulgruppen"),
)


async def all_registrations(apis, meeting_id: str, q: str | None = None) -> list[dict]:
    """Every registration of the meeting (pages of 200); ``q``: those with that name."""
    found, cursor = [], None
    while True:
        page = await apis.events.registrations.list(meeting_id, cursor=cursor, q=q)
        found.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return found


@router.get("/veranstaltungen/{meeting_id}/anmeldungen")
async def registrations(
    request: Request, meeting_id: str, apis: ApisDep, ansicht: str = "alle", q: str | None = None
):
    meeting, regs = await asyncio.gather(
        apis.events.meetings.get(meeting_id), all_registrations(apis, meeting_id)
    )
    people = None
    if q:
        people = await apis.contacts.people.list(
            {"q": q, "limit": 10, "kind": ["contact", "teacher"]}
        )
    teachers = await apis.contacts.people.list({"kind": "teacher", "limit": 100, "sort": "name"})
    context = {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/anmeldungen"),
        "views": VIEWS,
        "view": ansicht if ansicht in dict(VIEWS) else "alle",
        "registrations": regs,
        "active": [r for r in regs if r["status"] != "cancelled"],
        "waitlist": waitlist(regs),
        "tables": per_table(meeting, regs),
        "groups": [r for r in regs if r.get("seats", 1) > 1 or r.get("group_students")],
        "q": q or "",
        "found": people["items"] if people else None,
        "teachers": [
            (p["id"], f"{p['first_name']} {p.get('last_name') or ''}".strip())
            for p in teachers["items"]
        ],
        "table_names": {t["id"]: t["title"] for t in meeting["topic_tables"]},
    }
    return render(request, "registrations.html", context)


def _back(meeting_id: str, view: str = "alle") -> str:
    return f"/veranstaltungen/{meeting_id}/anmeldungen?ansicht={view}"


@router.post("/veranstaltungen/{meeting_id}/anmeldungen")
async def register(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.values_of(await request.form(), frozenset({"topic_table_ids"}))
    body = {
        "person_id": values.get("person_id") or "",
        "topic_table_ids": values.get("topic_table_ids") or [],
    }

    def done(created: dict) -> str:
        state = "bestätigt" if created["status"] == "confirmed" else "auf der Warteliste"
        return f"{created['display_name']} ist angemeldet ({state})."

    return await act(
        request, apis.events.registrations.register(meeting_id, body), _back(meeting_id), done
    )


@router.post("/veranstaltungen/{meeting_id}/gruppen")
async def register_group(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.values_of(await request.form(), frozenset({"topic_table_ids"}))
    try:
        unnamed = int(values.get("unnamed_students") or 0)
    except ValueError:
        unnamed = -1
    body = {
        "teacher_person_id": values.get("teacher_person_id") or "",
        "unnamed_students": unnamed,
        "topic_table_ids": values.get("topic_table_ids") or [],
    }
    return await act(
        request,
        apis.events.registrations.register_group(meeting_id, body),
        _back(meeting_id, "gruppen"),
        lambda created: (
            f"Gruppe von {created['display_name']} angemeldet ({created['seats']} Plätze)."
        ),
    )


ACTIONS = {
    "stornieren": ("cancel", "Die Anmeldung ist storniert."),
    "annehmen": ("accept", "Das Platzangebot ist angenommen."),
}


@router.post("/veranstaltungen/{meeting_id}/anmeldungen/{registration_id}/{action}")
async def registration_action(
    request: Request, meeting_id: str, registration_id: str, action: str, apis: ApisDep
):
    form = await request.form()
    view = str(form.get("ansicht") or "alle")
    if action not in ACTIONS:
        return render(request, "error.html", {"message": "Unbekannte Aktion."}, status=404)
    api_action, message = ACTIONS[action]
    call = apis.events.registrations.act(meeting_id, registration_id, api_action)
    return await act(request, call, _back(meeting_id, view), message)
