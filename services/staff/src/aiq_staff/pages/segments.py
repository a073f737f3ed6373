"""*Segmente*: saved filters (a ``ContactFilter`` with a name) and the people they select."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.pages.people import ORGANISATION_KINDS, PERSON_KINDS
from aiq_staff.reference import reference
from aiq_staff.security import check_csrf
from aiq_staff.web import ApisDep, after_post, form_error, render

router = APIRouter(dependencies=[Depends(check_csrf)])
STATUSES = [("new", "neu"), ("active", "aktiv"), ("dormant", "ruhend"), ("ended", "beendet")]


async def filter_choices(request: Request, apis) -> dict:
    """What a ``ContactFilter`` form offers (segments and the invitation builder)."""
    ref = await reference(request, apis)
    return {
        "districts": [(d, d) for d in ref.districts],
        "industries": [(i, i) for i in ref.industries],
        "statuses": STATUSES,
        "person_kinds": PERSON_KINDS,
        "organisation_kinds": ORGANISATION_KINDS,
        "officers": ref.officers,
    }


def segment_body(values: dict) -> dict:
    return {
        "name": values.get("name") or "",
        "description": values.get("description") or None,
        "filter": forms.contact_filter(values),
    }


@router.get("/segmente")
async def segment_list(request: Request, apis: ApisDep):
    page = await apis.contacts.segments.list()
    return render(request, "segments.html", {"segments": page["items"]})


@router.get("/segmente/neu")
async def new_segment(request: Request, apis: ApisDep):
    context = {"values": {}, "editing": None, **await filter_choices(request, apis)}
    return render(request, "segment_form.html", context)


@router.post("/segmente/neu")
async def create_segment(request: Request, apis: ApisDep):
    values = forms.filters_of(await request.form())
    try:
        saved = await apis.contacts.segments.save(segment_body(values))
    except ApiProblem as problem:
        context = {"editing": None, **await filter_choices(request, apis)}
        return form_error(request, "segment_form.html", problem, values, context)
    return after_post(
        f"/segmente/{saved['id']}", f"Segment „{saved['name']}“ gespeichert.", request
    )


@router.get("/segmente/{segment_id}")
async def segment_page(request: Request, segment_id: str, apis: ApisDep, cursor: str | None = None):
    segment = await apis.contacts.segments.get(segment_id)
    people = await apis.contacts.segments.people(segment_id, cursor)
    values = {
        "name": segment["name"],
        "description": segment.get("description") or "",
        **forms.filter_values(segment.get("filter") or {}),
    }
    context = {
        "segment": segment,
        "page": people,
        "values": values,
        "editing": segment,
        **await filter_choices(request, apis),
    }
    return render(request, "segment.html", context)


@router.post("/segmente/{segment_id}")
async def update_segment(request: Request, segment_id: str, apis: ApisDep):
    values = forms.filters_of(await request.form())
    try:
        await apis.contacts.segments.save(segment_body(values), segment_id)
    except ApiProblem as problem:
        segment = await apis.contacts.segments.get(segment_id)
        people = await apis.contacts.segments.people(segment_id)
        context = {
            "segment": segment,
            "page": people,
            "editing": segment,
            **await filter_choices(request, apis),
        }
        return form_error(request, "segment.html", problem, values, context)
    return after_post(f"/segmente/{segment_id}", "Segment gespeichert.", request)


@router.post("/segmente/{segment_id}/loeschen")
async def delete_segment(request: Request, segment_id: str, apis: ApisDep):
    await apis.contacts.segments.delete(segment_id)
    return after_post("/segmente", "Segment gelöscht.", request)
