"""HTTP routes of the contacts service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_contacts.domain import Organisation, OrganisationCreate, Person, PersonCreate, PersonUpdate
from aiq_contacts.service import ContactsService
from aiq_shared.idempotency import IdempotencyKey
from aiq_shared.pagination import Page, PageParams, page_params


def _service(request: Request) -> ContactsService:
    return request.app.state.contacts


Service = Annotated[ContactsService, Depends(_service)]
Paging = Annotated[PageParams, Depends(page_params)]
DistrictFilter = Annotated[str | None, Query(max_length=80)]

router = APIRouter()


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    tags=["organisations"],
    summary="Create an organisation (company or school)",
)
async def create_organisation(
    body: OrganisationCreate, service: Service, idempotency_key: IdempotencyKey = None
) -> Organisation:
    return await service.create_organisation(body, idempotency_key)


@router.get("/organisations", tags=["organisations"], summary="List organisations")
async def list_organisations(
    service: Service, paging: Paging, district: DistrictFilter = None
) -> Page[Organisation]:
    return await service.list_organisations(paging, district)


@router.get("/organisations/{organisation_id}", tags=["organisations"])
async def get_organisation(organisation_id: str, service: Service) -> Organisation:
    return await service.get_organisation(organisation_id)


@router.post(
    "/people",
    status_code=status.HTTP_201_CREATED,
    tags=["people"],
    summary="Create a person",
    responses={409: {"description": "A person with this email exists already"}},
)
async def create_person(
    body: PersonCreate, service: Service, idempotency_key: IdempotencyKey = None
) -> Person:
    return await service.create_person(body, idempotency_key)


@router.get("/people", tags=["people"], summary="List people")
async def list_people(
    service: Service,
    paging: Paging,
    district: DistrictFilter = None,
    organisation_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[Person]:
    return await service.list_people(paging, district, organisation_id)


@router.get("/people/{person_id}", tags=["people"])
async def get_person(person_id: str, service: Service) -> Person:
    return await service.get_person(person_id)


@router.patch("/people/{person_id}", tags=["people"], summary="Change a person (e.g. consent)")
async def update_person(person_id: str, body: PersonUpdate, service: Service) -> Person:
    return await service.update_person(person_id, body)
