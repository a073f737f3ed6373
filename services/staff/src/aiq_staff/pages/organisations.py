"""*Betriebe*: the list (search as you type, filters, sort, paging, export), an organisation's
page (people, the whole history, follow-ups, quick entries), create, edit and merge."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Depends, Request

from aiq_shared.dates import in_berlin
from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.pages.listing import export, list_page
from aiq_staff.problems import form_problems
from aiq_staff.reference import districts_for, reference
from aiq_staff.security import check_csrf, session_of
from aiq_staff.timeline import timeline
from aiq_staff.web import ApisDep, after_post, form_error, is_htmx, needs, render

router = APIRouter(dependencies=[Depends(check_csrf)])
KINDS = [("company", "Betrieb"), ("school", "Schule")]
STATUSES = [("new", "neu"), ("active", "aktiv"), ("dormant", "ruhend"), ("ended", "beendet")]
SIZES = [("1-9", "1–9"), ("10-49", "10–49"), ("50-249", "50–249"), ("250+", "250 und mehr")]
SORTS = [
    ("name", "Name A–Z"),
    ("-name", "Name Z–A"),
    ("-created", "Neueste zuerst"),
    ("created", "Älteste zuerst"),
]
ENTRY_KINDS = [("note", "Notiz"), ("call", "Anruf"), ("visit", "Besuch"), ("email", "E-Mail")]
FOLLOW_UP_KINDS = [
    ("call", "Anruf"),
    ("visit", "Besuch"),
    ("internship_offer", "Praktikumsangebot"),
    ("apprenticeship_offer", "Ausbildungsangebot"),
    ("school_ag", "Schul-AG"),
    ("ambassador", "Ausbildungsbotschafter*in"),
    ("speed_week", "Speed-Woche"),
    ("other", "Sonstiges"),
]


async def _choices(request: Request, apis) -> dict:
    ref = await reference(request, apis)
    return {
        "districts": [(d, d) for d in districts_for(apis.user, ref)],
        "industries": [(i, i) for i in ref.industries],
        "sections": ref.sections,
        "officers": ref.officers,
        "kinds": KINDS,
        "statuses": STATUSES,
        "sizes": SIZES,
        "sorts": SORTS,
    }


@router.get("/betriebe")
async def organisation_list(request: Request, apis: ApisDep, cursor: str | None = None):
    choices = await _choices(request, apis)
    return await list_page(
        request, apis.contacts.organisations.list, "organisations.html", choices, cursor
    )


@router.get("/betriebe/export")
async def organisation_export(request: Request, apis: ApisDep, format: str = "csv"):
    return await export(request, apis, "organisations", "betriebe", format)


@router.get("/betriebe/neu")
async def new_organisation(request: Request, apis: ApisDep):
    user = apis.user
    values = {"kind": "company", "status": "new", "officer": user.username}
    if len(user.districts) == 1:
        values["district"] = user.districts[0]
    context = {"values": values, "editing": None, **await _choices(request, apis)}
    return render(request, "organisation_form.html", context)


@router.post("/betriebe/neu")
async def create_organisation(request: Request, apis: ApisDep):
    values = forms.values_of(await request.form())
    try:
        created = await apis.contacts.organisations.create(forms.organisation_body(values))
    except ApiProblem as problem:
        context = {"editing": None, **await _choices(request, apis)}
        return form_error(request, "organisation_form.html", problem, values, context)
    if created.get("possible_duplicates"):
        session_of(request).data[f"duplicates:{created['id']}"] = created["possible_duplicates"]
    return after_post(f"/betriebe/{created['id']}", f"„{created['name']}“ ist angelegt.", request)


@router.get("/betriebe/{organisation_id}/bearbeiten")
async def edit_organisation(request: Request, organisation_id: str, apis: ApisDep):
    organisation = await apis.contacts.organisations.get(organisation_id)
    context = {
        "values": forms.organisation_values(organisation),
        "editing": organisation,
        **await _choices(request, apis),
    }
    return render(request, "organisation_form.html", context)


@router.post("/betriebe/{organisation_id}/bearbeiten")
async def update_organisation(request: Request, organisation_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    body = forms.organisation_body(values, partial=True)
    try:
        await apis.contacts.organisations.update(organisation_id, body)
    except ApiProblem as problem:
        organisation = await apis.contacts.organisations.get(organisation_id)
        context = {"editing": organisation, **await _choices(request, apis)}
        return form_error(request, "organisation_form.html", problem, values, context)
    return after_post(f"/betriebe/{organisation_id}", "Die Änderungen sind gespeichert.", request)


async def _organisation_context(request: Request, apis, organisation_id: str) -> dict:
    contacts = apis.contacts
    organisation, people, history, meetings, follow_ups = await asyncio.gather(
        contacts.organisations.get(organisation_id),
        contacts.organisations.members(organisation_id),
        contacts.organisations.history(organisation_id),
        contacts.organisations.meetings(organisation_id),
        contacts.follow_ups.list({"organisation_id": organisation_id, "sort": "due", "limit": 100}),
    )
    ref = await reference(request, apis)
    people_by_id = {p["id"]: p for p in people["items"]}
    return {
        "organisation": organisation,
        "people": people["items"],
        "people_by_id": people_by_id,
        "entries": timeline(history["items"], follow_ups["items"]),
        "meetings": meetings,
        "open_follow_ups": [f for f in follow_ups["items"] if f.get("status") == "open"],
        "duplicates": session_of(request).data.get(f"duplicates:{organisation_id}") or [],
        "entry_kinds": ENTRY_KINDS,
        "follow_up_kinds": FOLLOW_UP_KINDS,
        "officers": ref.officers,
        "person_choices": [
            (p["id"], f"{p['first_name']} {p.get('last_name') or ''}".strip())
            for p in people["items"]
        ],
        "entry_values": {"kind": "note"},
        "follow_up_values": {"owner": apis.user.username, "kind": "call"},
    }


@router.get("/betriebe/{organisation_id}")
async def organisation_page(request: Request, organisation_id: str, apis: ApisDep):
    context = await _organisation_context(request, apis, organisation_id)
    return render(request, "organisation.html", context)


async def _quick(request, apis, organisation_id, call, **values):
    """A quick entry: on a problem the history block (or page) again with the values typed."""
    try:
        await call
    except ApiProblem as problem:
        (name,) = values
        key = name.replace("_values", "_problems")
        return await _quick_entry_answer(
            request, apis, organisation_id, problem, problems_key=key, **values
        )
    return await _quick_entry_answer(request, apis, organisation_id)


async def _quick_entry_answer(request, apis, organisation_id, problem=None, **values):
    """The history block again (htmx) or the page (no JavaScript), with problems if any."""
    if problem is None and not is_htmx(request):
        return after_post(f"/betriebe/{organisation_id}#verlauf", "Eingetragen.", request)
    context = await _organisation_context(request, apis, organisation_id)
    context.update(values)
    status = 200
    if problem is not None:
        context[values.pop("problems_key")] = form_problems(problem)
        status = 422
    elif is_htmx(request):
        context["saved"] = "Eingetragen."
    return render(request, "organisation.html", context, status=status, block="history")


@router.post("/betriebe/{organisation_id}/eintrag")
async def quick_entry(request: Request, organisation_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    body = {
        "kind": values.get("kind") or "note",
        "text": values.get("text") or "",
        "author": apis.user.username,
    }
    if values.get("person_id"):
        body["person_id"] = values["person_id"]
    if values.get("occurred_at"):
        body["occurred_at"] = _aware(values["occurred_at"])
    call = apis.contacts.organisations.record_interaction(organisation_id, body)
    return await _quick(request, apis, organisation_id, call, entry_values=values)


@router.post("/betriebe/{organisation_id}/wiedervorlage")
async def quick_follow_up(request: Request, organisation_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    body = {
        "kind": values.get("kind") or "other",
        "title": values.get("title") or "",
        "organisation_id": organisation_id,
        "owner": values.get("owner") or None,
        "due": values.get("due") or None,
        "person_id": values.get("person_id") or None,
    }
    call = apis.contacts.follow_ups.open(body)
    return await _quick(request, apis, organisation_id, call, follow_up_values=values)


@router.post("/wiedervorlagen/{follow_up_id}/erledigt")
async def follow_up_done(request: Request, follow_up_id: str, apis: ApisDep):
    form = await request.form()
    await apis.contacts.follow_ups.done(follow_up_id)
    back = str(form.get("back") or "/")
    return after_post(
        back if back.startswith("/") and not back.startswith("//") else "/",
        "Die Wiedervorlage ist erledigt.",
        request,
    )


@router.get("/betriebe/{organisation_id}/zusammenfuehren", dependencies=[needs("merge")])
async def merge_page(request: Request, organisation_id: str, mit: str, apis: ApisDep):
    keep, other = await asyncio.gather(
        apis.contacts.organisations.get(organisation_id), apis.contacts.organisations.get(mit)
    )
    return render(request, "merge.html", {"keep": keep, "other": other})


@router.post("/betriebe/{organisation_id}/zusammenfuehren", dependencies=[needs("merge")])
async def merge(request: Request, organisation_id: str, apis: ApisDep):
    form = await request.form()
    other = str(form.get("mit") or "")
    await apis.contacts.organisations.merge(organisation_id, other)
    session_of(request).data.pop(f"duplicates:{organisation_id}", None)
    return after_post(f"/betriebe/{organisation_id}", "Die Betriebe sind zusammengeführt.", request)


def _aware(local: str) -> str:
    """A ``datetime-local`` value (Berlin wall clock) with its offset, as the API needs."""
    try:
        return in_berlin(datetime.fromisoformat(local)).isoformat()
    except ValueError:
        return local  # the API says what is wrong with it
