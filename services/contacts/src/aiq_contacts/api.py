"""HTTP routes of the contacts service (see docs/contacts.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from aiq_contacts import tables
from aiq_contacts.consent import ConsentChange, ConsentRecord, DoubleOptInRequest
from aiq_contacts.domain import (
    Organisation,
    OrganisationCreate,
    OrganisationCreated,
    OrganisationUpdate,
    Person,
    PersonCreate,
    PersonUpdate,
)
from aiq_contacts.history import (
    FollowUp,
    FollowUpStatus,
    FollowUpWrite,
    Interaction,
    InteractionWrite,
)
from aiq_contacts.importing import Importer
from aiq_contacts.imports import ImportJob
from aiq_contacts.list_params import (
    FollowUpPage,
    Format,
    HistoryPage,
    OrganisationFilter,
    OrganisationList,
    Page,
    PeopleFilter,
    PeopleList,
)
from aiq_contacts.listing import CountedPage
from aiq_contacts.segments import Segment, SegmentWrite
from aiq_contacts.service import ContactsService, ErasureReceipt, OptInRequested, PersonExport
from aiq_shared.errors import Unprocessable
from aiq_shared.idempotency import IdempotencyKey


def _service(request: Request) -> ContactsService:
    return request.app.state.contacts


def _importer(request: Request) -> Importer:
    return request.app.state.importer


Service = Annotated[ContactsService, Depends(_service)]
Imports = Annotated[Importer, Depends(_importer)]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

router = APIRouter()


def _table(name: str, fmt: str, columns: list[str], rows: list[list[Any]]) -> Response:
    if fmt == "xlsx":
        content, media_type = tables.write_xlsx(columns, rows), tables.XLSX
    else:
        content, media_type = tables.write_csv(columns, rows), "text/csv; charset=utf-8"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


_TABLE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The table",
        "content": {"text/csv": {}, tables.XLSX: {}},
    }
}

# -- organisations ---------------------------------------------------------------------------


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    tags=["organisations"],
    summary="Create an organisation (company or school)",
    description="Likely duplicates (same normalised name and postcode) are named in "
    "`possible_duplicates`; the organisation is created all the same.",
)
async def create_organisation(
    body: OrganisationCreate, service: Service, idempotency_key: IdempotencyKey = None
) -> OrganisationCreated:
    return await service.create_organisation(body, idempotency_key)


@router.get(
    "/organisations",
    tags=["organisations"],
    summary="Search and list organisations",
    description="`q` finds names by word beginnings, ignoring case and accents; "
    "repeated parameters mean any of them, different parameters all of them.",
)
async def list_organisations(
    service: Service, query: OrganisationList
) -> CountedPage[Organisation]:
    return await service.list_organisations(query)


@router.get(
    "/organisations/export",
    tags=["organisations"],
    summary="The filtered list as a table (CSV or XLSX), in import columns",
    response_class=Response,
    responses=_TABLE_RESPONSE,
)
async def export_organisations(
    importer: Imports, query: OrganisationFilter, format: Format = "csv"
) -> Response:
    columns, rows = await importer.export_organisations(query)
    return _table("organisationen", format, columns, rows)


@router.get("/organisations/{organisation_id}", tags=["organisations"])
async def get_organisation(organisation_id: str, service: Service) -> Organisation:
    return await service.get_organisation(organisation_id)


@router.patch(
    "/organisations/{organisation_id}",
    tags=["organisations"],
    summary="Change an organisation (only the fields given)",
)
async def update_organisation(
    organisation_id: str, body: OrganisationUpdate, service: Service
) -> Organisation:
    return await service.update_organisation(organisation_id, body)


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merged_organisation_id: str = Field(max_length=64, description="Folded in, then gone")


@router.post(
    "/organisations/{organisation_id}/merge",
    tags=["organisations"],
    summary="Fold a duplicate into this organisation",
    description="People, interactions and follow-ups of the merged organisation move here; "
    "empty fields are filled from it, tags united; the merged organisation is deleted.",
)
async def merge_organisations(
    organisation_id: str, body: MergeRequest, service: Service
) -> Organisation:
    return await service.merge_organisations(organisation_id, body.merged_organisation_id)


@router.get("/organisations/{organisation_id}/people", tags=["organisations"])
async def organisation_people(
    organisation_id: str, service: Service, query: PeopleList
) -> CountedPage[Person]:
    await service.get_organisation(organisation_id)
    return await service.list_people(query, organisation_id)


@router.post(
    "/organisations/{organisation_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    tags=["history"],
    summary="Record a note, call or visit with an organisation",
)
async def add_organisation_interaction(
    organisation_id: str, body: InteractionWrite, service: Service
) -> Interaction:
    return await service.add_interaction(body, organisation_id=organisation_id)


@router.get(
    "/organisations/{organisation_id}/interactions",
    tags=["history"],
    summary="Contact history of an organisation (notes, calls, visits, meetings)",
)
async def organisation_interactions(
    organisation_id: str, service: Service, query: HistoryPage
) -> CountedPage[Interaction]:
    return await service.list_interactions(query, organisation_id=organisation_id)


# -- people ----------------------------------------------------------------------------------


@router.post(
    "/people",
    status_code=status.HTTP_201_CREATED,
    tags=["people"],
    summary="Create a person",
    description="`email_consent: true` records the invitations consent as given by staff.",
    responses={409: {"description": "A person with this email exists already"}},
)
async def create_person(
    body: PersonCreate, service: Service, idempotency_key: IdempotencyKey = None
) -> Person:
    return await service.create_person(body, idempotency_key)


@router.get(
    "/people",
    tags=["people"],
    summary="Search and list people",
    description="Filters on the person (district, kind, tag, has_consent) and on their "
    "organisation (industry, status, officer, organisation_kind, partner since, tag).",
)
async def list_people(
    service: Service,
    query: PeopleList,
    organisation_id: Annotated[str | None, Query(max_length=64)] = None,
) -> CountedPage[Person]:
    return await service.list_people(query, organisation_id)


@router.get(
    "/people/export",
    tags=["people"],
    summary="The filtered list as a table (CSV or XLSX), in import columns",
    response_class=Response,
    responses=_TABLE_RESPONSE,
)
async def export_people(importer: Imports, query: PeopleFilter, format: Format = "csv") -> Response:
    columns, rows = await importer.export_people(query)
    return _table("personen", format, columns, rows)


@router.get("/people/{person_id}", tags=["people"])
async def get_person(person_id: str, service: Service) -> Person:
    return await service.get_person(person_id)


@router.patch("/people/{person_id}", tags=["people"], summary="Change a person")
async def update_person(person_id: str, body: PersonUpdate, service: Service) -> Person:
    return await service.update_person(person_id, body)


@router.delete(
    "/people/{person_id}",
    tags=["data subject rights"],
    summary="Erase a person (Art. 17 DSGVO)",
    description="Removes the person and everything about them from every contacts "
    "collection and publishes `aiq.person.erased.v1` so every service forgets them.",
)
async def erase_person(person_id: str, service: Service) -> ErasureReceipt:
    return await service.erase_person(person_id)


@router.get(
    "/people/{person_id}/export",
    tags=["data subject rights"],
    summary="Everything held about a person (Art. 15 DSGVO), as JSON",
)
async def export_person(person_id: str, service: Service) -> PersonExport:
    return await service.export_person(person_id)


@router.post(
    "/people/{person_id}/consents",
    status_code=status.HTTP_201_CREATED,
    tags=["consent"],
    summary="Record a consent given or withdrawn (e.g. a signed form)",
)
async def record_consent(person_id: str, body: ConsentChange, service: Service) -> Person:
    return await service.record_consent(person_id, body)


@router.get("/people/{person_id}/consents", tags=["consent"], summary="Consent history")
async def consent_history(person_id: str, service: Service) -> list[ConsentRecord]:
    return await service.consent_history(person_id)


@router.post(
    "/people/{person_id}/double-opt-in",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["consent"],
    summary="Ask the person to confirm a consent by email (double opt-in)",
)
async def request_double_opt_in(
    person_id: str, body: DoubleOptInRequest, service: Service
) -> OptInRequested:
    return await service.request_double_opt_in(person_id, body.purpose)


@router.post(
    "/people/{person_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    tags=["history"],
    summary="Record a note, call or visit with a person",
)
async def add_person_interaction(
    person_id: str, body: InteractionWrite, service: Service
) -> Interaction:
    return await service.add_interaction(body, person_id=person_id)


@router.get("/people/{person_id}/interactions", tags=["history"])
async def person_interactions(
    person_id: str, service: Service, query: HistoryPage
) -> CountedPage[Interaction]:
    return await service.list_interactions(query, person_id=person_id)


# -- follow-ups ------------------------------------------------------------------------------


@router.post("/follow-ups", status_code=status.HTTP_201_CREATED, tags=["history"])
async def create_follow_up(body: FollowUpWrite, service: Service) -> FollowUp:
    return await service.create_follow_up(body)


@router.get(
    "/follow-ups",
    tags=["history"],
    summary="Follow-ups, e.g. an officer's open ones: ?owner=...&status=open",
)
async def list_follow_ups(
    service: Service,
    query: FollowUpPage,
    owner: Annotated[str | None, Query(max_length=120)] = None,
    status: FollowUpStatus | None = None,
    organisation_id: Annotated[str | None, Query(max_length=64)] = None,
    person_id: Annotated[str | None, Query(max_length=64)] = None,
) -> CountedPage[FollowUp]:
    return await service.list_follow_ups(query, owner, status, organisation_id, person_id)


@router.post("/follow-ups/{follow_up_id}/done", tags=["history"], summary="Mark a follow-up done")
async def complete_follow_up(follow_up_id: str, service: Service) -> FollowUp:
    return await service.complete_follow_up(follow_up_id)


# -- segments --------------------------------------------------------------------------------


@router.post(
    "/segments",
    status_code=status.HTTP_201_CREATED,
    tags=["segments"],
    summary="Save a named filter (a segment) that invitations can target",
)
async def create_segment(body: SegmentWrite, service: Service) -> Segment:
    return await service.save_segment(body)


@router.get("/segments", tags=["segments"])
async def list_segments(service: Service, query: Page) -> CountedPage[Segment]:
    return await service.list_segments(query)


@router.get("/segments/{segment_id}", tags=["segments"])
async def get_segment(segment_id: str, service: Service) -> Segment:
    return await service.get_segment(segment_id)


@router.put("/segments/{segment_id}", tags=["segments"], summary="Change a segment")
async def update_segment(segment_id: str, body: SegmentWrite, service: Service) -> Segment:
    return await service.save_segment(body, segment_id)


@router.delete("/segments/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["segments"])
async def delete_segment(segment_id: str, service: Service) -> Response:
    await service.delete_segment(segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/segments/{segment_id}/people", tags=["segments"], summary="The people a segment selects now"
)
async def segment_people(segment_id: str, service: Service, query: Page) -> CountedPage[Person]:
    return await service.segment_members(segment_id, query)


# -- import ----------------------------------------------------------------------------------


@router.post(
    "/imports",
    tags=["import"],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import organisations and people from CSV or XLSX",
    description="The body is the file itself (`text/csv` or the XLSX media type). With "
    "`dry_run=true` nothing is written and the finished report comes back at once; otherwise "
    "the import runs as a job (202): follow it with GET /imports/{id}.",
    responses={200: {"description": "The finished report of a dry run"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                tables.XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def start_import(
    request: Request, response: Response, importer: Imports, dry_run: bool = False
) -> ImportJob:
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        raise Unprocessable(f"at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB per import")
    if not data.strip():
        raise Unprocessable("the file is empty")
    job = await importer.start(data, request.headers.get("content-type"), dry_run)
    if dry_run:
        response.status_code = status.HTTP_200_OK  # the report is finished already
    return job


@router.get("/imports/{job_id}", tags=["import"], summary="An import's progress and report")
async def get_import(job_id: str, importer: Imports) -> ImportJob:
    return await importer.get(job_id)
