"""Consent (DSGVO), per person and purpose, kept as a history. Plain Python, no I/O.

Every change is a :class:`ConsentRecord` (given or withdrawn, with source, time and the
version of the text agreed to); a person's current consents are what the latest record per
purpose says. ``invitations`` is what every invitation email checks (``email_consent``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import get_args

from aiq_contacts.consent.schemas import ConsentRecord, OptInRequested
from aiq_contacts.people.schemas import Person
from aiq_shared.contracts.contacts import ConsentChangedV1, ConsentPurpose, DoubleOptInRequestedV1
from aiq_shared.errors import Unprocessable

PURPOSES: tuple[str, ...] = get_args(ConsentPurpose)
INVITATIONS = "invitations"


def current_consents(history: Iterable[ConsentRecord]) -> list[str]:
    """Purposes consented to now: the latest record per purpose decides."""
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(history, key=lambda r: (r.recorded_at, r.id)):
        latest[record.purpose] = record
    return [p for p in PURPOSES if p in latest and latest[p].granted]


def after_change(current: Iterable[str], purpose: str, granted: bool) -> list[str]:
    """The purposes consented to after one change, in a stable order."""
    now = set(current) - {purpose} | ({purpose} if granted else set())
    return [p for p in PURPOSES if p in now]


def require_consentable(email: str | None, kind: str, granted: bool) -> None:
    if not granted:
        return
    if not email:
        raise Unprocessable("consent to emails needs an email address")
    if kind == "student":
        raise Unprocessable("students are not emailed; consent is not recorded for them")


def record(
    record_id: str,
    person_id: str,
    purpose: str,
    granted: bool,
    source: str,
    text_version: str | None,
    at: datetime,
    **details: str | None,
) -> ConsentRecord:
    return ConsentRecord(
        id=record_id,
        person_id=person_id,
        purpose=purpose,  # type: ignore[arg-type]
        granted=granted,
        source=source,
        text_version=text_version,
        recorded_at=at,
        **details,  # type: ignore[arg-type]
    )


def consent_changed(record: ConsentRecord) -> ConsentChangedV1:
    return ConsentChangedV1(
        person_id=record.person_id,
        purpose=record.purpose,
        granted=record.granted,
        source=record.source,
        text_version=record.text_version,
        recorded_at=record.recorded_at,
    )


def opt_in_requested(request: OptInRequested, person: Person) -> DoubleOptInRequestedV1:
    """The event that has the notifications service email the confirmation link."""
    return DoubleOptInRequestedV1(
        request_id=request.request_id,
        person_id=person.id,
        email=person.email,  # type: ignore[arg-type]
        first_name=person.first_name,
        last_name=person.last_name or "",
        district=person.district,
        purpose=request.purpose,  # type: ignore[arg-type]
        text_version=request.text_version,
        requested_at=request.requested_at,
    )
