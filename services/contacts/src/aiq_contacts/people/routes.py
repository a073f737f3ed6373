"""HTTP routes of people (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from aiq_contacts.people.schemas import Person, PersonCreate, PersonUpdate
from aiq_contacts.people.service import PersonService
from aiq_contacts.roles import STAFF
from aiq_contacts.search.schemas import CountedPage, PeopleQuery
from aiq_shared.auth import CurrentScope
from aiq_shared.idempotency import IdempotencyKey

router = APIRouter()


async def _people(request: Request) -> PersonService:
    return request.app.state.people


People = Annotated[PersonService, Depends(_people)]


@router.post(
    "/people",
    status_code=status.HTTP_201_CREATED,
    tags=["people"],
    summary="Create a person",
    description="`email_consent: true` records the invitations consent as given by staff. "
    "An officer names organisations of her districts; the person must be visible to her.",
    responses={409: {"description": "A person with this email exists already"}},
    dependencies=[STAFF],
)
async def create_person(
    body: PersonCreate, people: People, scope: CurrentScope, idempotency_key: IdempotencyKey = None
) -> Person:
    return await people.create(body, scope, idempotency_key)


@router.get(
    "/people",
    tags=["people"],
    summary="Search and list people",
    description="Filters on the person (district, kind, tag, has_consent) and on their "
    "organisation (industry, status, officer, organisation_kind, partner since, tag). Only "
    "people visible in the caller's districts.",
    dependencies=[STAFF],
)
async def list_people(
    people: People,
    scope: CurrentScope,
    organisation_id: Annotated[str | None, Query(max_length=64)] = None,
    *,
    query: Annotated[PeopleQuery, Query()],
) -> CountedPage[Person]:
    return await people.search(query, scope, organisation_id)


@router.get("/people/{person_id}", tags=["people"], dependencies=[STAFF])
async def get_person(person_id: str, people: People, scope: CurrentScope) -> Person:
    return await people.get(person_id, scope)


@router.patch(
    "/people/{person_id}", tags=["people"], summary="Change a person", dependencies=[STAFF]
)
async def update_person(
    person_id: str, body: PersonUpdate, people: People, scope: CurrentScope
) -> Person:
    return await people.update(person_id, body, scope)


@router.get("/organisations/{organisation_id}/people", tags=["organisations"], dependencies=[STAFF])
async def organisation_people(
    organisation_id: str,
    people: People,
    scope: CurrentScope,
    query: Annotated[PeopleQuery, Query()],
) -> CountedPage[Person]:
    return await people.at_organisation(organisation_id, query, scope)
