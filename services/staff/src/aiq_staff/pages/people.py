"""*Personen*: the list, a person's page (consent and its history, recording consent, the
double opt-in, the data export, erasure with a confirmation step), create and edit."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from aiq_staff import forms
from aiq_staff.api import ApiProblem
from aiq_staff.pages.downloads import passed_on
from aiq_staff.pages.listing import export, list_page
from aiq_staff.reference import districts_for, reference
from aiq_staff.security import check_csrf
from aiq_staff.timeline import timeline
from aiq_staff.web import ApisDep, after_post, form_error, needs, render

router = APIRouter(dependencies=[Depends(check_csrf)])
PERSON_KINDS = [("contact", "Kontakt"), ("teacher", "Lehrkraft"), ("student", "Schüler*in")]
ORGANISATION_KINDS = [("company", "Betrieb"), ("school", "Schule")]
CONSENT_FILTER = [("true", "Einladungen erlaubt"), ("false", "keine Einwilligung")]
PURPOSES = [("invitations", "Einladungen"), ("newsletter", "Newsletter")]
SOURCES = [
    ("staff", "persönlich / mündlich"),
    ("form", "Formular (unterschrieben)"),
    ("email", "per E-Mail"),
    ("phone", "am Telefon"),
]
SORTS = [("name", "Name A–Z"), ("-name", "Name Z–A"), ("-created", "Neueste zuerst")]


async def _choices(request: Request, apis) -> dict:
    ref = await reference(request, apis)
    return {
        "districts": [(d, d) for d in districts_for(apis.user, ref)],
        "industries": [(i, i) for i in ref.industries],
        "officers": ref.officers,
        "person_kinds": PERSON_KINDS,
        "organisation_kinds": ORGANISATION_KINDS,
        "consent_filter": CONSENT_FILTER,
        "sorts": SORTS,
        "purposes": PURPOSES,
        "sources": SOURCES,
    }


@router.get("/personen")
async def people_list(request: Request, apis: ApisDep, cursor: str | None = None):
    choices = await _choices(request, apis)
    return await list_page(request, apis.contacts.people.list, "people.html", choices, cursor)


@router.get("/personen/export")
async def people_export(request: Request, apis: ApisDep, format: str = "csv"):
    return await export(request, apis, "people", "personen", format)


async def _organisation_choices(apis, organisation_id: str | None) -> list[tuple[str, str]]:
    if not organisation_id:
        return []
    try:
        organisation = await apis.contacts.organisations.get(organisation_id)
    except ApiProblem:
        return []
    return [(organisation["id"], organisation["name"])]


@router.get("/personen/organisationen")
async def organisation_picker(
    request: Request,
    apis: ApisDep,
    organisation_q: str = "",
    organisation_id: str | None = None,
):
    """The person form's organisation choice for the words typed (htmx): the organisations
    the contacts API finds (first 20 by name), the one chosen so far kept."""
    kept = await _organisation_choices(apis, organisation_id)
    found: list[tuple[str, str]] = []
    if organisation_q.strip():
        page = await apis.contacts.organisations.list(
            {"q": organisation_q.strip()[:200], "sort": "name", "limit": 20}
        )
        found = [(o["id"], o["name"]) for o in page["items"] if (o["id"], o["name"]) not in kept]
    choices = {"organisations": kept + found, "values": {"organisation_id": organisation_id}}
    return render(request, "organisation_choices.html", choices)


@router.get("/personen/neu")
async def new_person(request: Request, apis: ApisDep, organisation_id: str | None = None):
    values = {"kind": "contact", "organisation_id": organisation_id or "", "language": "de"}
    context = {
        "values": values,
        "editing": None,
        "organisations": await _organisation_choices(apis, organisation_id),
        **await _choices(request, apis),
    }
    return render(request, "person_form.html", context)


@router.post("/personen/neu")
async def create_person(request: Request, apis: ApisDep):
    values = forms.values_of(await request.form())
    try:
        created = await apis.contacts.people.create(forms.person_body(values))
    except ApiProblem as problem:
        context = {
            "editing": None,
            "existing": problem.extra.get("existing_person_id"),
            "organisations": await _organisation_choices(apis, values.get("organisation_id")),
            **await _choices(request, apis),
        }
        return form_error(request, "person_form.html", problem, values, context)
    name = f"{created['first_name']} {created.get('last_name') or ''}".strip()
    return after_post(f"/personen/{created['id']}", f"{name} ist angelegt.", request)


@router.get("/personen/{person_id}/bearbeiten")
async def edit_person(request: Request, person_id: str, apis: ApisDep):
    person = await apis.contacts.people.get(person_id)
    context = {
        "values": forms.person_values(person),
        "editing": person,
        "organisations": await _organisation_choices(apis, person.get("organisation_id")),
        **await _choices(request, apis),
    }
    return render(request, "person_form.html", context)


@router.post("/personen/{person_id}/bearbeiten")
async def update_person(request: Request, person_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    try:
        await apis.contacts.people.update(person_id, forms.person_body(values, partial=True))
    except ApiProblem as problem:
        person = await apis.contacts.people.get(person_id)
        context = {
            "editing": person,
            "existing": problem.extra.get("existing_person_id"),
            "organisations": await _organisation_choices(apis, values.get("organisation_id")),
            **await _choices(request, apis),
        }
        return form_error(request, "person_form.html", problem, values, context)
    return after_post(f"/personen/{person_id}", "Die Änderungen sind gespeichert.", request)


async def _person_context(request: Request, apis, person_id: str) -> dict:
    person, consents, history, meetings = await asyncio.gather(
        apis.contacts.people.get(person_id),
        apis.contacts.consent.list(person_id),
        apis.contacts.people.history(person_id),
        apis.contacts.people.meetings(person_id),
    )
    organisations = await asyncio.gather(
        *(
            apis.contacts.organisations.get(m["organisation_id"])
            for m in person.get("memberships", [])
        )
    )
    return {
        "person": person,
        "consents": list(reversed(consents)),
        "entries": timeline(history["items"], []),
        "meetings": meetings,
        "memberships": list(zip(person.get("memberships", []), organisations, strict=True)),
        "consent_values": {"purpose": "invitations", "granted": "true", "source": "staff"},
        **await _choices(request, apis),
    }


@router.get("/personen/{person_id}")
async def person_page(request: Request, person_id: str, apis: ApisDep):
    return render(request, "person.html", await _person_context(request, apis, person_id))


@router.post("/personen/{person_id}/einwilligung")
async def record_consent(request: Request, person_id: str, apis: ApisDep):
    values = forms.values_of(await request.form())
    body = {
        "purpose": values.get("purpose") or "invitations",
        "granted": values.get("granted") == "true",
        "source": values.get("source") or "staff",
        "note": values.get("note") or None,
        "recorded_by": apis.user.username,
    }
    try:
        await apis.contacts.consent.record(person_id, body)
    except ApiProblem as problem:
        context = await _person_context(request, apis, person_id)
        context["consent_values"] = values
        return form_error(request, "person.html", problem, values, context)
    word = "erteilt" if body["granted"] else "widerrufen"
    return after_post(
        f"/personen/{person_id}#einwilligung", f"Einwilligung {word}: gespeichert.", request
    )


@router.post("/personen/{person_id}/double-opt-in")
async def send_double_opt_in(request: Request, person_id: str, apis: ApisDep):
    form = await request.form()
    purpose = str(form.get("purpose") or "invitations")
    await apis.contacts.consent.double_opt_in(person_id, purpose)
    message = "Die Bitte um Bestätigung ist unterwegs: die Person bekommt eine E-Mail mit Link."
    return after_post(f"/personen/{person_id}#einwilligung", message, request)


@router.get("/personen/{person_id}/auskunft")
async def data_export(person_id: str, apis: ApisDep):
    """Art. 15: everything the contacts service holds about the person, as a JSON file."""
    download = await apis.contacts.privacy.export(person_id)
    download.filename = f"auskunft-{person_id}.json"
    return passed_on(download, f"auskunft-{person_id}.json")


@router.get("/personen/{person_id}/loeschen", dependencies=[needs("erase")])
async def erase_confirm(request: Request, person_id: str, apis: ApisDep):
    person = await apis.contacts.people.get(person_id)
    return render(request, "erase.html", {"person": person})


@router.post("/personen/{person_id}/loeschen", dependencies=[needs("erase")])
async def erase(request: Request, person_id: str, apis: ApisDep):
    form = await request.form()
    if form.get("confirm") != "ja":
        person = await apis.contacts.people.get(person_id)
        context = {"person": person, "unconfirmed": True}
        return render(request, "erase.html", context, status=422)
    await apis.contacts.privacy.erase(person_id)
    message = "Die Person ist gelöscht; alle Dienste vergessen sie."
    return after_post("/personen", message, request)
