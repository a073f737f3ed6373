"""The invitation builder: a target (filter and/or segment) with a live preview (matched, per
district, left out for lack of consent or address, already invited), sending, and the
campaign's progress as the notifications service counts it (htmx polls until done)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.pages.meetings import tabs
from aiq_staff.pages.segments import filter_choices
from aiq_staff.problems import form_problems, page_message
from aiq_staff.security import check_csrf
from aiq_staff.web import ApisDep, after_post, flash, is_htmx, render

router = APIRouter(dependencies=[Depends(check_csrf)])
STOP_POLLING = 286


def target_of(values: dict) -> dict:
    """The API's ``InvitationTarget``: no filter and no segment means the meeting's districts."""
    contact_filter = forms.contact_filter(values)
    body: dict = {}
    if contact_filter:
        body["target"] = contact_filter
    if values.get("segment_id"):
        body["segment_id"] = values["segment_id"]
    return body


async def _page(request: Request, apis, meeting_id: str, values: dict, problems=None):
    meeting, segments, invitations = await asyncio.gather(
        apis.events.meetings.get(meeting_id),
        apis.contacts.segments.list(),
        apis.events.invitations.list(meeting_id),
    )
    preview, preview_problem = None, None
    try:
        preview = await apis.events.invitations.preview(meeting_id, target_of(values))
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        preview_problem = form_problems(problem)
    context = {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/einladungen"),
        "segments": [(s["id"], s["name"]) for s in segments["items"]],
        "invitations": invitations["items"],
        "preview": preview,
        "preview_problems": preview_problem,
        "values": values,
        **await filter_choices(request, apis),
    }
    if problems is not None:
        context["problems"] = problems
    return context


@router.get("/veranstaltungen/{meeting_id}/einladungen")
async def builder(request: Request, meeting_id: str, apis: ApisDep):
    meeting = await apis.events.meetings.get(meeting_id)
    context = await _page(request, apis, meeting_id, {"district": meeting["districts"]})
    return render(request, "invitations.html", context)


@router.post("/veranstaltungen/{meeting_id}/einladungen/vorschau")
async def preview(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.filters_of(await request.form())
    context = await _page(request, apis, meeting_id, values)
    return render(request, "invitations.html", context, block="preview")


@router.post("/veranstaltungen/{meeting_id}/einladungen/senden")
async def send(request: Request, meeting_id: str, apis: ApisDep):
    values = forms.filters_of(await request.form())
    meeting = await apis.events.meetings.get(meeting_id)
    try:
        if meeting["status"] == "draft":
            await apis.events.meetings.act(meeting_id, "publish", {"invite": False})
        result = await apis.events.invitations.invite(meeting_id, target_of(values))
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        context = await _page(request, apis, meeting_id, values, form_problems(problem))
        return render(request, "invitations.html", context, status=problem.status)
    if not result.get("campaign_id"):
        flash(
            request,
            "Niemand (mehr) einzuladen: alle Passenden sind schon eingeladen oder "
            "haben keine Einwilligung.",
            "warning",
        )
        return after_post(f"/veranstaltungen/{meeting_id}/einladungen")
    message = f"{result['invited']} Einladungen gehen raus."
    return after_post(
        f"/veranstaltungen/{meeting_id}/kampagnen/{result['campaign_id']}", message, request
    )


@router.get("/veranstaltungen/{meeting_id}/kampagnen/{campaign_id}")
async def campaign(request: Request, meeting_id: str, campaign_id: str, apis: ApisDep):
    meeting = await apis.events.meetings.get(meeting_id)
    progress, note = None, None
    try:
        progress = await apis.notifications.campaign(campaign_id)
    except ApiProblem as problem:
        if problem.status != 404:
            note = page_message(problem)
    context = {
        "meeting": meeting,
        "tabs": tabs(meeting_id, "/einladungen"),
        "progress": progress,
        "campaign_id": campaign_id,
        "note": note,
    }
    response = render(request, "campaign.html", context, block="progress")
    if is_htmx(request) and progress is not None and progress["done"]:
        response.status_code = STOP_POLLING
    return response
