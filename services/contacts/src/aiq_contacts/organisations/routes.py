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
from aiq_contacts.search.schemas import CountedPage, OrganisationQuery
from aiq_shared.idempotency import IdempotencyKey

router = APIRouter()


def _organisations(request: Request) -> OrganisationService:
    return request.app.state.organisations


def _merges(request: Request) -> MergeService:
    return request.app.state.merges


Organisations = Annotated[OrganisationService, Depends(_organisations)]
Merges = Annotated[MergeService, Depends(_merges)]


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    tags=["organisations"],
    summary="Create an organisation (company or school)",
    description="Likely duplicates (same normalised name and postcode) are named in "
    "`possible_duplicates`; the organisation is created all the same.",
)
async def create_organisation(
    body: OrganisationCreate, organisations: Organisations, idempotency_key: IdempotencyKey = None
) -> OrganisationCreated:
    return await organisations.create(body, idempotency_key)


@router.get(
    "/organisations",
    tags=["organisations"],
    summary="Search and list organisations",
    description="`q` finds names by word beginnings, ignoring case and accents; "
    "repeated parameters mean any of them, different parameters all of them.",
)
async def list_organisations(
    organisations: Organisations, query: Annotated[OrganisationQuery, Query()]
) -> CountedPage[Organisation]:
    return await organisations.search(query)


@router.get("/organisations/{organisation_id}", tags=["organisations"])
async def get_organisation(organisation_id: str, organisations: Organisations) -> Organisation:
    return await organisations.get(organisation_id)


@router.patch(
    "/organisations/{organisation_id}",
    tags=["organisations"],
    summary="Change an organisation (only the fields given)",
)
async def update_organisation(
    organisation_id: str, body: OrganisationUpdate, organisations: Organisations
) -> Organisation:
    return await organisations.update(organisation_id, body)


@router.post(
    "/organisations/{organisation_id}/merge",
    tags=["organisations"],
    summary="Fold a duplicate into this organisation",
    description="People, interactions and follow-ups of the merged organisation move here; "
    "empty fields are filled from it, tags united; the merged organisation is deleted.",
)
async def merge_organisations(
    organisation_id: str, body: MergeRequest, merges: Merges
) -> Organisation:
    return await merges.merge(organisation_id, body.merged_organisation_id)


# -- reference data --------------------------------------------------------------------------


@router.get(
    "/industries",
    tags=["reference"],
    summary="The accepted industries: WZ 2008 sections and the short names in each",
    description="An organisation's `industry` is one of these names (setting "
    "`AIQ_CONTACTS_INDUSTRIES`); its section is its `industry_section`, which lists filter "
    "on with `industry_section=C`.",
)
async def industries(organisations: Organisations) -> Catalogue:
    return organisations.reference.industries.catalogue()


@router.get(
    "/officers",
    tags=["reference"],
    summary="The officers an organisation's `officer` can be (staff usernames)",
    description="Without an officer given, an organisation gets the first officer listed for "
    "its district.",
)
async def officers(organisations: Organisations) -> list[OfficerView]:
    return [
        OfficerView(username=m.username, name=m.name, districts=m.districts)
        for m in organisations.reference.officers.members()
    ]
