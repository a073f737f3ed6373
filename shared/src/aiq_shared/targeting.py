"""Who a filter (a search, a saved segment, an invitation's target) selects. Plain Python.

Contacts stores segments and searches with it; events applies the same filter to its read
model of people and organisations when it invites, so both agree on who is in a segment.
Empty criteria select everyone; several values within one criterion mean "any of them";
criteria combine with "and".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ContactFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    districts: list[str] = Field(default=[], description="Stadtbezirke (person's district)")
    industries: list[str] = Field(default=[], description="Branchen of the organisation")
    tags: list[str] = Field(default=[], description="Any of these tags, on person or organisation")
    statuses: list[str] = Field(default=[], description="Relationship status of the organisation")
    person_kinds: list[str] = Field(default=[], description="contact, teacher, student")
    organisation_kinds: list[str] = Field(default=[], description="company, school")
    officers: list[str] = Field(default=[], description="Responsible officer of the organisation")
    partner_since_from: date | None = None
    partner_since_to: date | None = None
    has_consent: bool | None = Field(
        default=None, description="Only people with (true) or without (false) invitation consent"
    )

    def is_empty(self) -> bool:
        return self == ContactFilter()


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def matches(
    criteria: ContactFilter,
    person: Mapping[str, Any],
    organisation: Mapping[str, Any] | None = None,
    *,
    organisations: Sequence[Mapping[str, Any]] = (),
) -> bool:
    """Whether ``person`` (with their ``organisation``, if any) is selected by ``criteria``.

    Both are plain mappings with the field names of the contacts snapshots. A person who
    belongs to several organisations (``organisations``, the main one first) is selected when
    the organisation criteria hold for any one of them.
    """
    if criteria.districts and person.get("district") not in criteria.districts:
        return False
    if criteria.person_kinds and person.get("kind", "contact") not in criteria.person_kinds:
        return False
    if criteria.has_consent is not None and bool(person.get("email_consent")) != (
        criteria.has_consent
    ):
        return False
    candidates = [org for org in (organisation, *organisations) if org] or [{}]
    return any(_organisation_matches(criteria, person, org) for org in candidates)


def _organisation_matches(
    criteria: ContactFilter, person: Mapping[str, Any], org: Mapping[str, Any]
) -> bool:
    if criteria.tags and not set(criteria.tags) & (
        set(person.get("tags") or []) | set(org.get("tags") or [])
    ):
        return False
    for field, wanted, default in (
        ("industry", criteria.industries, None),
        ("status", criteria.statuses, "new"),
        ("kind", criteria.organisation_kinds, "company"),
        ("officer", criteria.officers, None),
    ):
        if wanted and (not org or org.get(field, default) not in wanted):
            return False
    if criteria.partner_since_from or criteria.partner_since_to:
        since = _as_date(org.get("partner_since"))
        if since is None:
            return False
        if criteria.partner_since_from and since < criteria.partner_since_from:
            return False
        if criteria.partner_since_to and since > criteria.partner_since_to:
            return False
    return True
