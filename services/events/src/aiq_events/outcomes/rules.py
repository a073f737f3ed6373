"""After the meeting: outcomes (who follows up what), and the report: who came, from which
district, which tables drew whom, no-shows, walk-ins; as JSON or CSV. Plain Python, no I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from aiq_events.meetings.rules import berlin_minute
from aiq_events.meetings.schemas import Meeting
from aiq_events.outcomes.schemas import (
    DistrictLine,
    MeetingReport,
    Outcome,
    OutcomeCreate,
    ReportRow,
    TableLine,
    Totals,
)
from aiq_events.registrations.schemas import Registration
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.errors import Unprocessable
from aiq_shared.spreadsheets import write_csv


def outcome(
    meeting: Meeting,
    item: OutcomeCreate,
    registrations: Sequence[Registration],
    *,
    outcome_id: str,
    now: datetime,
) -> Outcome:
    """An outcome about an organisation or a person, with whether they came."""
    if not (item.organisation_id or item.person_id):
        raise Unprocessable("an outcome is about an organisation or a person")
    return Outcome(
        id=outcome_id,
        meeting_id=meeting.id,
        attended=attended(registrations, item.organisation_id, item.person_id),
        recorded_at=now,
        meeting_districts=meeting.districts,
        **item.model_dump(),
    )


def outcome_recorded(outcome: Outcome, meeting: Meeting) -> MeetingOutcomeRecordedV1:
    return MeetingOutcomeRecordedV1(
        outcome_id=outcome.id,
        meeting_id=meeting.id,
        meeting_title=meeting.title,
        organisation_id=outcome.organisation_id,
        person_id=outcome.person_id,
        attended=outcome.attended,
        note=outcome.note,
        follow_ups=outcome.follow_ups,
        recorded_by=outcome.recorded_by,
        recorded_at=outcome.recorded_at,
    )


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
            checked_in_at=berlin_minute(r.checked_in_at) if r.checked_in_at else None,
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


def as_csv(report_rows: Sequence[ReportRow]) -> bytes:
    """One row a registration, as German spreadsheet programs open it (aiq_shared.spreadsheets:
    semicolons, BOM, no cell that runs as a formula)."""
    rows = ([row.model_dump()[k] for k in CSV_HEADER] for row in report_rows)
    return write_csv(list(CSV_HEADER.values()), rows)
