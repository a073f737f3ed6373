"""HTTP routes for the reference data organisations are checked against: the accepted
industries (WZ 2008 sections and short names) and the responsible officers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from aiq_contacts.industries import Catalogue
from aiq_contacts.reference import Reference

router = APIRouter(tags=["reference"])


def _reference(request: Request) -> Reference:
    return request.app.state.contacts.reference


@router.get(
    "/industries",
    summary="The accepted industries: WZ 2008 sections and the short names in each",
    description="An organisation's `industry` is one of these names (setting "
    "`AIQ_CONTACTS_INDUSTRIES`); its section is its `industry_section`, which lists filter "
    "on with `industry_section=C`.",
)
async def industries(request: Request) -> Catalogue:
    return _reference(request).industries.catalogue()


class OfficerView(BaseModel):
    username: str
    name: str
    districts: list[str]


@router.get(
    "/officers",
    summary="The officers an organisation's `officer` can be (staff usernames)",
    description="Without an officer given, an organisation gets the first officer listed for "
    "its district.",
)
async def officers(request: Request) -> list[OfficerView]:
    return [
        OfficerView(username=m.username, name=m.name, districts=m.districts)
        for m in _reference(request).officers.members()
    ]
