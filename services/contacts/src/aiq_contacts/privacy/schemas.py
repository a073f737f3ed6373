"""Response models of the data subject rights: everything held about a person (Art. 15 DSGVO)
and the receipt of an erasure (Art. 17)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from aiq_contacts.consent.schemas import ConsentRecord, OptInRequested
from aiq_contacts.history.schemas import FollowUp, Interaction
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people.schemas import Person


class PersonExport(BaseModel):
    """Everything the contacts service holds about one person (Art. 15 DSGVO)."""

    exported_at: datetime
    person: Person
    organisation: Organisation | None
    organisations: list[Organisation] = []  # every one the person belongs to, the main first
    consent_history: list[ConsentRecord]
    double_opt_in_requests: list[OptInRequested]
    interactions: list[Interaction]
    follow_ups: list[FollowUp]


class ErasureReceipt(BaseModel):
    person_id: str
    erased_at: datetime
