"""HTTP routes of the data subject rights (Art. 15 and 17 DSGVO)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from aiq_contacts.privacy.schemas import ErasureReceipt, PersonExport
from aiq_contacts.privacy.service import PrivacyService
from aiq_contacts.roles import COORDINATORS, STAFF
from aiq_shared.auth import CurrentScope

router = APIRouter(tags=["data subject rights"])


async def _privacy(request: Request) -> PrivacyService:
    return request.app.state.privacy


Privacy = Annotated[PrivacyService, Depends(_privacy)]


@router.delete(
    "/people/{person_id}",
    summary="Erase a person (Art. 17 DSGVO)",
    description="Removes the person and everything about them from every contacts "
    "collection and publishes `aiq.person.erased.v1` so every service forgets them. "
    "Coordinators and admins.",
    dependencies=[COORDINATORS],
)
async def erase_person(person_id: str, privacy: Privacy, scope: CurrentScope) -> ErasureReceipt:
    return await privacy.erase_person(person_id, scope)


@router.get(
    "/people/{person_id}/export",
    summary="Everything held about a person (Art. 15 DSGVO), as JSON",
    description="What the caller's districts hold about the person; a coordinator's export "
    "holds everything.",
    dependencies=[STAFF],
)
async def export_person(person_id: str, privacy: Privacy, scope: CurrentScope) -> PersonExport:
    return await privacy.export_person(person_id, scope)
