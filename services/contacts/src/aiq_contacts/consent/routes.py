"""HTTP routes of consent (see docs/contacts.md, "Consent model")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from aiq_contacts.consent.schemas import (
    ConsentChange,
    ConsentRecord,
    DoubleOptInRequest,
    OptInRequested,
)
from aiq_contacts.consent.service import ConsentService
from aiq_contacts.people.schemas import Person
from aiq_contacts.roles import STAFF
from aiq_shared.auth import CurrentScope

router = APIRouter(tags=["consent"])


async def _consent(request: Request) -> ConsentService:
    return request.app.state.consent


Consent = Annotated[ConsentService, Depends(_consent)]


@router.post(
    "/people/{person_id}/consents",
    status_code=status.HTTP_201_CREATED,
    summary="Record a consent given or withdrawn (e.g. a signed form)",
    dependencies=[STAFF],
)
async def record_consent(
    person_id: str, body: ConsentChange, consent: Consent, scope: CurrentScope
) -> Person:
    return await consent.record_consent(person_id, body, scope)


@router.get("/people/{person_id}/consents", summary="Consent history", dependencies=[STAFF])
async def consent_history(
    person_id: str, consent: Consent, scope: CurrentScope
) -> list[ConsentRecord]:
    return await consent.history(person_id, scope)


@router.post(
    "/people/{person_id}/double-opt-in",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask the person to confirm a consent by email (double opt-in)",
    dependencies=[STAFF],
)
async def request_double_opt_in(
    person_id: str, body: DoubleOptInRequest, consent: Consent, scope: CurrentScope
) -> OptInRequested:
    return await consent.request_double_opt_in(person_id, body.purpose, scope)
