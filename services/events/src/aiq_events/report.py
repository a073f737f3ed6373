"""After the meeting: who came, from which district, which tables drew whom. Plain Python."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aiq_events.domain import BERLIN, Meeting, Registration
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


def attended(
    registrations: Sequence[Registration], organisation_id: str | None, person_id: str | None
) -> bool | None:
    """Whether the person (or anyone from the organisation) was checked in; None if unknown."""
    relevant = [
        r
        for r in registrations
        if (person_id and r.person_id == person_id)
        or (not person_id and organisation_id and r.organisation_id == organisation_id)
    ]
    if not relevant:
        return None
    return any(r.checked_in_at is not None for r in relevant)


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


def _tables_text(meeting: Meeting, pairs: Sequence[tuple[str, int]]) -> str:
    names = []
    for table_id, round_ in pairs:
        table = meeting.table(table_id)
        title = table.title if table else table_id
        names.append(f"{title} (R{round_})" if meeting.round_count > 1 else title)
    return "; ".join(names)


def rows(
    meeting: Meeting,
    registrations: Sequence[Registration],
    organisation_names: Mapping[str, str] | None = None,
) -> list[ReportRow]:
    names = organisation_names or {}
    return [
        ReportRow(
            registration_id=r.id,
            display_name=r.display_name,
            kind=r.kind,
            district=r.district,
            organisation_id=r.organisation_id,
            organisation_name=names.get(r.organisation_id) if r.organisation_id else None,
            status=r.status,
            checked_in=r.checked_in_at is not None,
            checked_in_at=r.checked_in_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
            if r.checked_in_at
            else None,
            no_show=r.no_show,
            walk_in=r.walk_in,
            seats=r.seats,
            tables=_tables_text(
                meeting,
                [(s.topic_table_id, s.round) for s in r.table_seats if s.status == "seated"],
            ),
            visited=_tables_text(meeting, [(v.topic_table_id, v.round) for v in r.table_visits]),
        )
        for r in sorted(registrations, key=lambda r: r.id)
    ]


def build(
    meeting: Meeting,
    registrations: Sequence[Registration],
    invited_by_district: dict[str, int],
    organisation_names: Mapping[str, str] | None = None,
) -> MeetingReport:
    """The report; ``organisation_names`` (id -> name, from the read model) name the rows'
    organisations."""
    confirmed = [r for r in registrations if r.status == "confirmed"]
    came = [r for r in confirmed if r.checked_in_at is not None]
    districts: dict[str, DistrictLine] = {
        d: DistrictLine(district=d, invited=n) for d, n in invited_by_district.items()
    }
    for r in confirmed:
        line = districts.setdefault(r.district, DistrictLine(district=r.district))
        line.registered += 1
        line.attended += r.checked_in_at is not None
        line.no_shows += r.no_show
        line.walk_ins += r.walk_in
    seated: Counter[tuple[str, int]] = Counter()
    waiting: Counter[tuple[str, int]] = Counter()
    visits: Counter[tuple[str, int]] = Counter()
    by_district: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    seat_district: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for r in confirmed:
        for s in r.table_seats:
            key = (s.topic_table_id, s.round)
            if s.status == "seated":
                seated[key] += r.seats
                seat_district[key][r.district] += r.seats
            else:
                waiting[key] += r.seats
        for v in {(v.topic_table_id, v.round) for v in r.table_visits}:
            visits[v] += r.seats
            by_district[v][r.district] += r.seats
    tables = [
        TableLine(
            topic_table_id=t.id,
            title=t.title,
            round=round_,
            capacity=t.capacity,
            seated=seated[(t.id, round_)],
            waitlisted=waiting[(t.id, round_)],
            attended=visits[(t.id, round_)],
            districts=dict(
                sorted((by_district[(t.id, round_)] or seat_district[(t.id, round_)]).items())
            ),
        )
        for round_ in range(1, meeting.round_count + 1)
        for t in meeting.topic_tables
    ]
    totals = Totals(
        invited=sum(invited_by_district.values()),
        registered=len(confirmed),
        waitlisted=sum(r.status == "waitlisted" for r in registrations),
        cancelled=sum(r.status == "cancelled" for r in registrations),
        attended=len(came),
        no_shows=sum(r.no_show for r in confirmed),
        walk_ins=sum(r.walk_in for r in confirmed),
        people_attending=sum(r.seats for r in came),
    )
    return MeetingReport(
        meeting_id=meeting.id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        status=meeting.status,
        totals=totals,
        districts=sorted(districts.values(), key=lambda d: d.district),
        tables=tables,
        rows=rows(meeting, registrations, organisation_names),
    )


CSV_HEADER = {
    "registration_id": "Anmeldung",
    "display_name": "Name",
    "kind": "Art",
    "district": "Stadtbezirk",
    "organisation_name": "Organisation",
    "organisation_id": "Organisations-ID",
    "status": "Status",
    "checked_in": "Anwesend",
    "checked_in_at": "Eingecheckt",
    "no_show": "Nicht erschienen",
    "walk_in": "Spontan",
    "seats": "Plätze",
    "tables": "Thementische",
    "visited": "Besuchte Thementische",
}


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    text = "" if value is None else str(value)
    # a name starting like a formula must not run as one in a spreadsheet
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def as_csv(report_rows: Sequence[ReportRow]) -> str:
    """Semicolon-separated (what German spreadsheet programs open directly), with a BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER.values())
    for row in report_rows:
        data = row.model_dump()
        writer.writerow([_cell(data[k]) for k in CSV_HEADER])
    return out.getvalue()
