"""HTTP routes of organisations, their merging, and the reference data they are checked
against (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_contacts.organisations.merge import MergeService
from aiq_contacts.organisations.schemas import (
    Catalogue,
    MergeRequest,
    OfficerView,
    Organisation,
    OrganisationCreate,
    OrganisationCreated,
    OrganisationUpdate,
)
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.roles import COORDINATORS, STAFF
from aiq_contacts.search.schemas import CountedPage, OrganisationQuery
from aiq_shared.auth import CurrentScope
from aiq_shared.idempotency import IdempotencyKey

router = APIRouter()


async def _organisations(request: Request) -> OrganisationService:
    return request.app.state.organisations


async def _merges(request: Request) -> MergeService:
    return request.app.state.merges


Organisations = Annotated[OrganisationService, Depends(_organisations)]
Merges = Annotated[MergeService, Depends(_merges)]


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    tags=["organisations"],
    summary="Create an organisation (company or school)",
    description="Likely duplicates (same normalised name and postcode) are named in "
    "`possible_duplicates`; the organisation is created all the same. An officer creates "
    "in her districts (403 for another).",
    dependencies=[STAFF],
)
async def create_organisation(
    body: OrganisationCreate,
    organisations: Organisations,
    scope: CurrentScope,
    idempotency_key: IdempotencyKey = None,
) -> OrganisationCreated:
    return await organisations.create(body, scope, idempotency_key)


@router.get(
    "/organisations",
    tags=["organisations"],
    summary="Search and list organisations",
    description="`q` finds names by word beginnings, ignoring case and accents; "
    "repeated parameters mean any of them, different parameters all of them. Only the "
    "caller's districts.",
    dependencies=[STAFF],
)
async def list_organisations(
    organisations: Organisations, scope: CurrentScope, query: Annotated[OrganisationQuery, Query()]
) -> CountedPage[Organisation]:
    return await organisations.search(query, scope)


@router.get("/organisations/{organisation_id}", tags=["organisations"], dependencies=[STAFF])
async def get_organisation(
    organisation_id: str, organisations: Organisations, scope: CurrentScope
) -> Organisation:
    return await organisations.get(organisation_id, scope)


@router.patch(
    "/organisations/{organisation_id}",
    tags=["organisations"],
    summary="Change an organisation (only the fields given)",
    description="Moving it to a district not among the caller's is a coordinator's (403).",
    dependencies=[STAFF],
)
async def update_organisation(
    organisation_id: str,
    body: OrganisationUpdate,
    organisations: Organisations,
    scope: CurrentScope,
) -> Organisation:
    return await organisations.update(organisation_id, body, scope)


@router.post(
    "/organisations/{organisation_id}/merge",
    tags=["organisations"],
    summary="Fold a duplicate into this organisation",
    description="People, interactions and follow-ups of the merged organisation move here; "
    "empty fields are filled from it, tags united; the merged organisation is deleted. "
    "Coordinators and admins.",
    dependencies=[COORDINATORS],
)
async def merge_organisations(
    organisation_id: str, body: MergeRequest, merges: Merges, scope: CurrentScope
) -> Organisation:
    return await merges.merge(organisation_id, body.merged_organisation_id, scope)


# -- reference data --------------------------------------------------------------------------


@router.get(
    "/industries",
    tags=["reference"],
    summary="The accepted industries: WZ 2008 sections and the short names in each",
    description="An organisation's `industry` is one of these names (setting "
    "`AIQ_CONTACTS_INDUSTRIES`); its section is its `industry_section`, which lists filter "
    "on with `industry_section=C`.",
    dependencies=[STAFF],
)
async def industries(organisations: Organisations) -> Catalogue:
    return organisations.reference.industries.catalogue()


@router.get(
    "/officers",
    tags=["reference"],
    summary="The officers an organisation's `officer` can be (staff usernames)",
    description="Without an officer given, an organisation gets the first officer listed for "
    "its district.",
    dependencies=[STAFF],
)
async def officers(organisations: Organisations) -> list[OfficerView]:
    return [
        OfficerView(username=m.username, name=m.name, districts=m.districts)
        for m in organisations.reference.officers.members()
    ]
