"""Request and response models of consent: a change staff record, a double opt-in request, and
the records of a person's consent history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aiq_shared.contracts.contacts import ConsentPurpose

ConsentSource = Literal[
    "staff", "form", "double-opt-in", "unsubscribe-link", "import", "email", "phone"
]
StaffSource = Literal["staff", "form", "email", "phone"]


class ConsentChange(BaseModel):
    """Staff record a consent given or withdrawn (e.g. from a signed form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: ConsentPurpose
    granted: bool
    source: StaffSource = "staff"
    text_version: str | None = Field(
        default=None, max_length=40, description="Defaults to the current consent text"
    )
    recorded_by: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=500)


class DoubleOptInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose = "invitations"


class ConsentRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    person_id: str
    purpose: ConsentPurpose
    granted: bool
    source: str
    text_version: str | None = None
    recorded_at: AwareDatetime
    recorded_by: str | None = None
    note: str | None = None
    request_id: str | None = None


class OptInRequested(BaseModel):
    request_id: str
    person_id: str
    purpose: str
    text_version: str
    requested_at: datetime
