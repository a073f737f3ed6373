"""Outcomes after the meeting (notes and follow-ups per organisation or person) and the
meeting's report, as the API takes and returns them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aiq_shared.contracts.meetings import FollowUp


class OutcomeCreate(BaseModel):
    """A note and follow-ups about one organisation or person after the meeting."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation_id: str | None = Field(default=None, max_length=64)
    person_id: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=5000)
    follow_ups: list[FollowUp] = Field(default_factory=list, max_length=20)
    recorded_by: str | None = Field(default=None, max_length=200)


class OutcomesCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcomes: list[OutcomeCreate] = Field(min_length=1, max_length=500)


class Outcome(OutcomeCreate):
    model_config = ConfigDict(extra="ignore")

    id: str
    meeting_id: str
    attended: bool | None = None
    recorded_at: datetime
    meeting_districts: list[str] = Field(
        default_factory=list, description="Where it is visible: its meeting's districts"
    )


class ReportRow(BaseModel):
    registration_id: str
    display_name: str
    kind: str
    district: str
    organisation_id: str | None
    organisation_name: str | None = Field(default=None, description="From contacts")
    status: str
    checked_in: bool
    checked_in_at: str | None = Field(description="Europe/Berlin")
    no_show: bool
    walk_in: bool
    seats: int
    tables: str = Field(description="Seated topic tables, with round")
    visited: str = Field(description="Topic tables attended, with round")


class DistrictLine(BaseModel):
    district: str
    invited: int = 0
    registered: int = 0
    attended: int = 0
    no_shows: int = 0
    walk_ins: int = 0


class TableLine(BaseModel):
    topic_table_id: str
    title: str
    round: int
    capacity: int
    seated: int
    waitlisted: int
    attended: int
    districts: dict[str, int] = Field(description="Attendance (else seats) per district")


class Totals(BaseModel):
    invited: int
    registered: int = Field(description="Confirmed, including walk-ins")
    waitlisted: int
    cancelled: int
    attended: int
    no_shows: int
    walk_ins: int
    people_attending: int = Field(description="Seats of those who came (groups count whole)")


class MeetingReport(BaseModel):
    meeting_id: str
    title: str
    starts_at: datetime
    status: str
    totals: Totals
    districts: list[DistrictLine]
    tables: list[TableLine]
    rows: list[ReportRow]
