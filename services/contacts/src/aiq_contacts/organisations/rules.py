"""Organisations' rules: districts, changes, duplicates and merging, and the events that tell
other services about an organisation. Plain Python, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from aiq_contacts.fields import clean_tags, validated
from aiq_contacts.organisations.schemas import (
    Organisation,
    OrganisationFields,
    OrganisationUpdate,
    PossibleDuplicate,
)
from aiq_contacts.search.rules import spelled_out
from aiq_shared.contracts.contacts import OrganisationCreatedV1, OrganisationUpdatedV1
from aiq_shared.errors import Forbidden, Unprocessable
from aiq_shared.scope import Scope

_LEGAL_FORMS = re.compile(
    r"\b(gmbh|mbh|ag|kg|ohg|ug|gbr|e\.?\s?k|e\.?\s?v|co|haftungsbeschrankt|und|&)\b"
)
MOST_DUPLICATES = 10


def require_district(district: str, known: Sequence[str]) -> str:
    if district not in known:
        raise Unprocessable(f"unknown district {district!r}", known_districts=list(known))
    return district


def require_within(scope: Scope, districts: str | Sequence[str], what: str) -> None:
    """A record a caller creates or changes stays in her districts (403 otherwise: she names
    the district herself, so nothing is probed). A coordinator moves a record elsewhere."""
    if not scope.covers(districts):
        wanted = [districts] if isinstance(districts, str) else list(districts)
        raise Forbidden(
            f"{what} would be outside your districts ({', '.join(wanted) or 'none'})",
            your_districts=sorted(scope.districts or ()),
        )


def check_organisation(organisation: OrganisationFields, districts: Sequence[str]) -> None:
    """District and kind; the industry and officer are checked by ``reference.Reference``."""
    if organisation.district is not None:
        require_district(organisation.district, districts)
    if organisation.kind == "school" and organisation.industry is not None:
        raise Unprocessable("a school has no industry (Branche)")


def update_organisation(organisation: Organisation, update: OrganisationUpdate) -> Organisation:
    changes = update.model_dump(exclude_unset=True)
    for required in ("name", "kind", "district", "status", "tags"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be removed")
    return validated(Organisation, {**organisation.model_dump(), **changes})


def merge_organisations(surviving: Organisation, merged: Organisation) -> Organisation:
    """``surviving`` keeps its values; gaps are filled from ``merged``; tags are united;
    the earlier partnership counts."""
    data = surviving.model_dump()
    for field, value in merged.model_dump().items():
        if data.get(field) is None and value is not None:
            data[field] = value
    data["tags"] = clean_tags([*surviving.tags, *merged.tags])
    sinces = [d for d in (surviving.partner_since, merged.partner_since) if d is not None]
    data["partner_since"] = min(sinces) if sinces else None
    return Organisation.model_validate(data)


# -- duplicates ------------------------------------------------------------------------------


def duplicate_key(name: str) -> str:
    """A company's name without legal form, case, accents and punctuation."""
    folded = spelled_out(name).replace(".", " ")
    return " ".join(_LEGAL_FORMS.sub(" ", folded).split())


def looks_like_same_organisation(
    name: str, postcode: str | None, other_name: str, other_postcode: str | None
) -> bool:
    """Same normalised name, and the same postcode where both have one."""
    if duplicate_key(name) != duplicate_key(other_name):
        return False
    return postcode is None or other_postcode is None or postcode == other_postcode


def possible_duplicates(
    organisation: Organisation, named_alike: Iterable[Organisation]
) -> list[PossibleDuplicate]:
    """The organisations (of those with the same duplicate key) that look like the same one:
    named in a new organisation's answer, at most ten."""
    return [
        PossibleDuplicate(id=other.id, name=other.name, postcode=other.postcode)
        for other in named_alike
        if other.id != organisation.id
        and looks_like_same_organisation(
            organisation.name, organisation.postcode, other.name, other.postcode
        )
    ][:MOST_DUPLICATES]


def same_organisation(
    data: OrganisationFields, named_alike: Iterable[Organisation]
) -> Organisation | None:
    """An import row's organisation found again: same normalised name, postcode and district."""
    for other in named_alike:
        if (
            data.name is not None
            and other.district == data.district
            and looks_like_same_organisation(data.name, data.postcode, other.name, other.postcode)
        ):
            return other
    return None


# -- events ----------------------------------------------------------------------------------


def organisation_event[E: (OrganisationCreatedV1, OrganisationUpdatedV1)](
    event: type[E], organisation: Organisation
) -> E:
    return event(
        organisation_id=organisation.id,
        name=organisation.name,
        industry=organisation.industry,
        district=organisation.district,
        kind=organisation.kind,
        status=organisation.status,
        tags=organisation.tags,
        officer=organisation.officer,
        partner_since=organisation.partner_since,
        size=organisation.size,
        postcode=organisation.postcode,
    )
