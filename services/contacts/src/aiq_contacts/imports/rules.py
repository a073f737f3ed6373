"""Importing organisations and people from a table: the columns, a row read as records, what
only the whole file shows, and how a job reads. Plain Python, no I/O.

One row is one organisation (found again by its normalised name and postcode, else new)
and, optionally, one person at it. A row's problems are all reported, by row number
(the header is row 1, so the first data row is row 2, as a spreadsheet shows it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ValidationError

from aiq_contacts.imports.schemas import ImportJob, RowError
from aiq_contacts.organisations import industries
from aiq_contacts.organisations.reference import Reference
from aiq_contacts.organisations.rules import duplicate_key
from aiq_contacts.organisations.schemas import OrganisationCreate
from aiq_contacts.people.schemas import PersonCreate
from aiq_shared.errors import Conflict, DomainError

COLUMNS = (
    "organisation_name",
    "organisation_kind",
    "industry",
    "district",
    "street",
    "postcode",
    "city",
    "website",
    "officer",
    "partner_since",
    "status",
    "organisation_tags",
    "first_name",
    "last_name",
    "person_kind",
    "email",
    "phone",
    "role",
    "position",
    "language",
    "person_tags",
    "email_consent",
)
# columns of an export, so it can be imported again (memberships beyond the row's own
# organisation are not imported)
IGNORED = {"id", "organisation_id", "memberships"}
MAX_ROWS = 20_000  # the most an import reads (and an export lists)
YES = {"ja", "j", "yes", "y", "true", "1", "x"}
NO = {"nein", "n", "no", "false", "0", ""}


# A job saves its progress every few rows; one silent for this long has lost its process.
STALE_AFTER = timedelta(minutes=10)


STALLED = "stalled: the service running it stopped; rows before it are in"


def is_stalled(job: ImportJob, now: datetime) -> bool:
    """A running job whose process is gone (a queued one waits in the database for a worker,
    however long that takes)."""
    return job.status == "running" and (job.updated_at or job.created_at) < now - STALE_AFTER


def as_seen(job: ImportJob, now: datetime) -> ImportJob:
    """The job as a reader should see it: one whose process is gone has failed."""
    if is_stalled(job, now):
        return job.model_copy(update={"status": "failed", "failure": STALLED})
    return job


class ImportRow(BaseModel):
    number: int
    organisation: OrganisationCreate | None = None
    person: PersonCreate | None = None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _messages(error: ValidationError, prefix: str) -> list[str]:
    messages = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        messages.append(f"{prefix}{where}: {item['msg']}")
    return messages


def _given(raw: dict[str, str], *names: str) -> dict[str, str]:
    return {name: raw[name] for name in names if raw.get(name)}


def _settled(
    organisation: OrganisationCreate, reference: Reference
) -> tuple[OrganisationCreate, list[str]]:
    problems = []
    if organisation.district not in reference.districts:
        problems.append(f"unknown district {organisation.district!r}")
    changes: dict[str, str] = {}
    if organisation.industry is not None:
        industry = reference.industries.canonical(organisation.industry)
        if industry is None:
            suggestions = reference.industries.suggest(organisation.industry)
            problems.append(industries.unknown_message(organisation.industry, suggestions))
        else:
            changes["industry"] = industry
    if organisation.officer is not None and reference.officers.known():
        officer = reference.officers.resolve(organisation.officer)
        if officer is None:
            known = ", ".join(reference.officers.known())
            problems.append(f"unknown officer {organisation.officer!r} (known: {known})")
        else:
            changes["officer"] = officer
    return organisation.model_copy(update=changes), problems


def parse_row(number: int, raw: dict[str, str], reference: Reference) -> ImportRow | RowError:
    """One table row as models, or every reason it cannot be imported. Industries and
    officers are taken in their accepted spelling (an officer also by name); an unknown
    industry is reported with the nearest known ones."""
    errors: list[str] = []
    unknown = sorted(set(raw) - set(COLUMNS) - IGNORED)
    if unknown:
        errors.append(f"unknown columns: {', '.join(unknown)}")
    organisation = person = None
    if raw.get("organisation_name"):
        data: dict[str, object] = {
            "name": raw["organisation_name"],
            **_given(raw, "industry", "district", "website", "officer", "partner_since"),
            **_given(raw, "status"),
        }
        if raw.get("organisation_kind"):
            data["kind"] = raw["organisation_kind"]
        address = _given(raw, "street", "postcode", "city")
        if address:
            data["address"] = address
        if raw.get("organisation_tags"):
            data["tags"] = _split(raw["organisation_tags"])
        try:
            organisation = OrganisationCreate.model_validate(data)
        except ValidationError as error:
            errors += _messages(error, "organisation ")
        if organisation is not None:
            organisation, problems = _settled(organisation, reference)
            errors += problems
    if raw.get("first_name") or raw.get("last_name") or raw.get("email"):
        consent = raw.get("email_consent", "").strip().lower()
        if consent not in YES | NO:
            errors.append("email_consent: say ja or nein")
        data = {
            **_given(raw, "first_name", "last_name", "email", "phone", "role", "position"),
            **_given(raw, "language"),
            "email_consent": consent in YES,
        }
        if raw.get("person_kind"):
            data["kind"] = raw["person_kind"]
        if raw.get("person_tags"):
            data["tags"] = _split(raw["person_tags"])
        if organisation is None and raw.get("district"):
            data["district"] = raw["district"]
        try:
            person = PersonCreate.model_validate(data)
        except ValidationError as error:
            errors += _messages(error, "person ")
        if person is not None and organisation is None and person.district is None:
            errors.append("a person without organisation needs a district")
        if person is not None and person.email_consent and not person.email:
            errors.append("email consent needs an email address")
    if organisation is None and person is None and not errors:
        errors.append("the row names neither an organisation nor a person")
    if errors:
        return RowError(row=number, errors=errors)
    return ImportRow(number=number, organisation=organisation, person=person)


class FileSeen:
    """What only the whole file shows: the same email twice (the later row is refused), and
    whether a row's organisation came in an earlier row (a dry run has not written that one,
    so it would not be found again)."""

    def __init__(self) -> None:
        self._organisations: set[tuple[str, str | None]] = set()
        self._emails: set[str] = set()

    def check(self, row: ImportRow) -> RowError | bool:
        """The row's error, or whether its organisation was in an earlier row."""
        if row.person is not None:
            for address in [row.person.email, *row.person.other_emails]:
                if address and address in self._emails:
                    return RowError(row=row.number, errors=["the email appears in an earlier row"])
                if address:
                    self._emails.add(address)
        if row.organisation is None:
            return False
        key = (duplicate_key(row.organisation.name), row.organisation.postcode)
        seen = key in self._organisations
        self._organisations.add(key)
        return seen


def row_problem(error: DomainError | ValidationError) -> str:
    """Why a row was refused when it was written, without personal data."""
    if isinstance(error, Conflict):
        return "a person with this email exists already"  # no address kept in the report
    if isinstance(error, ValidationError):
        return "; ".join(str(e["msg"]) for e in error.errors())
    return error.detail
