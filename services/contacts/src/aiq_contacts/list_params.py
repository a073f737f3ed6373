"""Query parameters of the contacts lists: search, filters, sorting and pages, read into a
:class:`ListQuery` (the filter's meaning is :class:`aiq_shared.targeting.ContactFilter`'s)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query

from aiq_contacts.industries import Section
from aiq_contacts.listing import ListQuery
from aiq_shared.contracts.contacts import OrganisationKind, PersonKind, RelationshipStatus
from aiq_shared.errors import Unprocessable
from aiq_shared.targeting import ContactFilter

Words = Annotated[list[str], Query(max_length=20)]

ListSort = Literal["created", "-created", "name", "-name"]


def _order(
    sort: Annotated[ListSort, Query(description="created, -created, name or -name")] = "created",
) -> ListQuery:
    return ListQuery(sort=sort)


def _page(
    order: Annotated[ListQuery, Depends(_order)],
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=400, description="`next_cursor` of the previous page")
    ] = None,
) -> ListQuery:
    return order.model_copy(update={"limit": limit, "cursor": cursor})


DateQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2020-10-01"])]


def _date(value: str | None) -> date | None:
    try:
        return None if value is None else date.fromisoformat(value)
    except ValueError as error:
        raise Unprocessable(f"no such date: {value}") from error


def _criteria(
    order: Annotated[ListQuery, Depends(_order)],
    q: Annotated[str | None, Query(max_length=200, description="Words of the name")] = None,
    district: Words = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    industry: Words = [],  # noqa: B006
    tag: Words = [],  # noqa: B006
    status: Annotated[list[RelationshipStatus], Query()] = [],  # noqa: B006
    officer: Words = [],  # noqa: B006
    partner_since_from: DateQuery = None,
    partner_since_to: DateQuery = None,
    industry_section: Annotated[
        list[Section], Query(description="WZ 2008 sections (A-U) of the organisation's industry")
    ] = [],  # noqa: B006
) -> ListQuery:
    """The criteria organisation and people lists share (ContactFilter's meaning), and the
    organisation's WZ 2008 section (contacts only: segments hold ContactFilters)."""
    return order.model_copy(
        update={
            "q": q,
            "industry_sections": industry_section,
            "filter": ContactFilter(
                districts=district,
                industries=industry,
                tags=tag,
                statuses=status,
                officers=officer,
                partner_since_from=_date(partner_since_from),
                partner_since_to=_date(partner_since_to),
            ),
        }
    )


def _organisation_filter(
    shared: Annotated[ListQuery, Depends(_criteria)],
    kind: Annotated[list[OrganisationKind], Query(description="company, school")] = [],  # noqa: B006
) -> ListQuery:
    criteria = shared.filter.model_copy(update={"organisation_kinds": kind})
    return shared.model_copy(update={"filter": criteria})


def _people_filter(
    shared: Annotated[ListQuery, Depends(_criteria)],
    kind: Annotated[list[PersonKind], Query(description="contact, teacher, student")] = [],  # noqa: B006
    organisation_kind: Annotated[list[OrganisationKind], Query()] = [],  # noqa: B006
    has_consent: Annotated[bool | None, Query(description="Current invitations consent")] = None,
) -> ListQuery:
    criteria = shared.filter.model_copy(
        update={
            "person_kinds": kind,
            "organisation_kinds": organisation_kind,
            "has_consent": has_consent,
        }
    )
    return shared.model_copy(update={"filter": criteria})


Page = Annotated[ListQuery, Depends(_page)]


def _history_page(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page")
    ] = None,
    sort: Annotated[
        Literal["created", "-created"], Query(description="-created: newest first")
    ] = "created",
) -> ListQuery:
    return ListQuery(limit=limit, cursor=cursor, sort=sort)


HistoryPage = Annotated[ListQuery, Depends(_history_page)]


def _follow_up_page(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=400, description="`next_cursor` of the previous page")
    ] = None,
    sort: Annotated[
        Literal["created", "-created", "due", "-due"],
        Query(description="due: soonest first, those without a due date last"),
    ] = "created",
) -> ListQuery:
    return ListQuery(limit=limit, cursor=cursor, sort=sort)


FollowUpPage = Annotated[ListQuery, Depends(_follow_up_page)]
OrganisationFilter = Annotated[ListQuery, Depends(_organisation_filter)]
PeopleFilter = Annotated[ListQuery, Depends(_people_filter)]


def _paged(query: ListQuery, page: ListQuery) -> ListQuery:
    return query.model_copy(update={"limit": page.limit, "cursor": page.cursor})


def _organisation_list(query: OrganisationFilter, page: Page) -> ListQuery:
    return _paged(query, page)


def _people_list(query: PeopleFilter, page: Page) -> ListQuery:
    return _paged(query, page)


OrganisationList = Annotated[ListQuery, Depends(_organisation_list)]
PeopleList = Annotated[ListQuery, Depends(_people_list)]
Format = Annotated[Literal["csv", "xlsx"], Query(description="csv (semicolon) or xlsx")]
