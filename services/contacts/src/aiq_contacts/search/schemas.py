"""Lists of the contacts service: their query parameters (search, filters, sorting, pages) as
query-parameter models, their sort orders, and their pages (with the total).

Every list is paged with ``aiq_shared.pagination``: ``limit`` and ``cursor`` in, ``items``,
``next_cursor`` and ``total`` out, sorted in one of the :data:`ORDERS` (ties by id). The
criteria mean what :class:`aiq_shared.targeting.ContactFilter` says (repeat a parameter for
"any of"; different parameters combine with "and").
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from aiq_contacts.history.schemas import FollowUpStatus, InteractionKind
from aiq_contacts.organisations.industries import Section
from aiq_shared.contracts.contacts import OrganisationKind, PersonKind, RelationshipStatus
from aiq_shared.errors import Unprocessable
from aiq_shared.pagination import Order, Page, PageParams
from aiq_shared.targeting import ContactFilter

Sort = Literal["created", "-created", "name", "-name", "due", "-due"]
ListSort = Literal["created", "-created", "name", "-name"]
NO_DUE_DATE = "9999-12-31"  # stored for follow-ups without a due date: they come last in due order
# The orders lists are sorted in. A cursor names its order, so it is refused in another one;
# "created" is the id order (ids are ObjectIds, which grow with time).
ORDERS: dict[str, Order] = {
    "created": Order("created", "_id"),
    "-created": Order("-created", "_id", descending=True),
    "name": Order("name", "sort_name"),
    "-name": Order("-name", "sort_name", descending=True),
    "due": Order("due", "due_sort"),
    "-due": Order("-due", "due_sort", descending=True),
    "occurred_at": Order("occurred_at", "occurred_sort"),
    "-occurred_at": Order("-occurred_at", "occurred_sort", descending=True),
}

Limit = Annotated[int, Field(ge=1, le=200, description="Items per page")]
Cursor = Annotated[
    str | None, Field(max_length=400, description="`next_cursor` of the previous page")
]
Words = Annotated[list[str], Field(max_length=20)]
DateText = Annotated[str | None, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2020-10-01"])]


class CountedPage[T](Page[T]):
    """A page of a list, and how many items the whole list holds."""

    total: int


class Paged(BaseModel):
    """``limit`` and ``cursor`` (the parameters of aiq_shared.pagination.PageParams, with this
    API's documented limits)."""

    limit: Limit = 50
    cursor: Cursor = None

    @property
    def page(self) -> PageParams:
        return PageParams(limit=self.limit, cursor=self.cursor)


class Ordered(BaseModel):
    """A list's ``sort`` (declared by each list, with the orders it offers) as an Order."""

    @property
    def order(self) -> Order:
        return ORDERS[self.sort]  # type: ignore[attr-defined]


class ListPage(Paged, Ordered):
    """A plain list's page (segments)."""

    sort: ListSort = Field("created", description="created, -created, name or -name")


def _date(value: str | None) -> date | None:
    try:
        return None if value is None else date.fromisoformat(value)
    except ValueError as error:
        raise Unprocessable(f"no such date: {value}") from error


class ContactCriteria(Ordered):
    """The criteria organisation and people lists share (ContactFilter's meaning), and the
    organisation's WZ 2008 section (contacts only: segments hold ContactFilters)."""

    q: str | None = Field(default=None, max_length=200, description="Words of the name")
    district: Words = []
    industry: Words = []
    tag: Words = []
    status: list[RelationshipStatus] = []
    officer: Words = []
    partner_since_from: DateText = None
    partner_since_to: DateText = None
    industry_section: list[Section] = Field(
        default=[], description="WZ 2008 sections (A-U) of the organisation's industry"
    )
    sort: ListSort = Field("created", description="created, -created, name or -name")

    def contact_filter(self, **kinds: object) -> ContactFilter:
        return ContactFilter(
            districts=self.district,
            industries=self.industry,
            tags=self.tag,
            statuses=self.status,
            officers=self.officer,
            partner_since_from=_date(self.partner_since_from),
            partner_since_to=_date(self.partner_since_to),
            **kinds,  # type: ignore[arg-type]
        )


# Extra criteria, as mixins placed last among the bases, so that their parameters come first
# (the OpenAPI document lists them as before).
class _OrganisationKinds(BaseModel):
    kind: list[OrganisationKind] = Field(default=[], description="company, school")


class _PersonKinds(BaseModel):
    kind: list[PersonKind] = Field(default=[], description="contact, teacher, student")
    organisation_kind: list[OrganisationKind] = []
    has_consent: bool | None = Field(default=None, description="Current invitations consent")


class OrganisationCriteria(ContactCriteria, _OrganisationKinds):
    """``GET /organisations`` (and its export): the criteria on the organisation itself."""

    def filter(self) -> ContactFilter:
        return self.contact_filter(organisation_kinds=self.kind)


class PeopleCriteria(ContactCriteria, _PersonKinds):
    """``GET /people`` (and its export): on the person, and on their organisations."""

    def filter(self) -> ContactFilter:
        return self.contact_filter(
            person_kinds=self.kind,
            organisation_kinds=self.organisation_kind,
            has_consent=self.has_consent,
        )


class OrganisationQuery(Paged, OrganisationCriteria):
    pass


class PeopleQuery(Paged, PeopleCriteria):
    pass


class HistoryQuery(Paged, Ordered):
    """``GET .../interactions``: oldest first, or newest (``-created``)."""

    cursor: Annotated[
        str | None, Field(max_length=64, description="`next_cursor` of the previous page")
    ] = None
    sort: Literal["created", "-created"] = Field("created", description="-created: newest first")


class _FollowUpCriteria(BaseModel):
    owner: str | None = Field(default=None, max_length=120)
    status: FollowUpStatus | None = None
    organisation_id: str | None = Field(default=None, max_length=64)
    person_id: str | None = Field(default=None, max_length=64)
    district: Words = Field(
        default=[], description="Of these districts (of the caller's; repeat for any of them)"
    )


class FollowUpQuery(Paged, Ordered, _FollowUpCriteria):
    """``GET /follow-ups``: e.g. an officer's open ones, soonest due first."""

    sort: Literal["created", "-created", "due", "-due"] = Field(
        "created", description="due: soonest first, those without a due date last"
    )


class _FeedCriteria(BaseModel):
    district: Words = Field(
        default=[], description="Of these districts (of the caller's; repeat for any of them)"
    )
    kind: list[InteractionKind] = Field(default=[], description="note, call, visit, ...")


class InteractionFeedQuery(Paged, Ordered, _FeedCriteria):
    """``GET /interactions``: the recent history of the caller's districts, newest first."""

    sort: Literal["-occurred_at", "occurred_at", "-created", "created"] = Field(
        "-occurred_at", description="-occurred_at (default): newest first"
    )
