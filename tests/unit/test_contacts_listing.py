"""How filters, searches and cursors read as MongoDB queries (typed values only)."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from pydantic import ValidationError

from aiq_contacts.organisations.repository import organisation_query
from aiq_contacts.organisations.schemas import OrganisationCreate
from aiq_contacts.people.repository import member_of, person_query
from aiq_contacts.search.repository import check_cursor
from aiq_contacts.search.schemas import ORDERS
from aiq_contacts.segments.schemas import SegmentWrite
from aiq_shared.errors import Unprocessable
from aiq_shared.pagination import after, cursor_of
from aiq_shared.targeting import ContactFilter


def test_an_empty_filter_selects_everything() -> None:
    assert organisation_query(ContactFilter()) == {}
    assert person_query(ContactFilter()) == {}


def test_organisation_criteria_and_search_combine_with_and() -> None:
    criteria = ContactFilter(
        districts=["Hörde"], statuses=["active"], partner_since_from=date(2021, 1, 1)
    )
    assert organisation_query(criteria, "Mül") == {
        "$and": [
            {"status": {"$in": ["active"]}},
            {"partner_since": {"$gte": "2021-01-01"}},
            {"$or": [{"search": {"$regex": "^mul"}}, {"search": {"$regex": r"\ mul"}}]},
            {"district": {"$in": ["Hörde"]}},
        ]
    }


def test_people_are_selected_through_their_organisations_and_tags_count_on_either() -> None:
    # o1 meets the organisation criteria, o2 meets them and carries the tag: a person is
    # selected with the tag and a membership at o1, or with a membership at o2
    query = person_query(
        ContactFilter(tags=["ihk"], has_consent=True),
        organisation_ids=["o1", "o2"],
        tagged_organisation_ids=["o2"],
    )
    assert query == {
        "$and": [
            {"email_consent": True},
            {
                "$or": [
                    {"$and": [{"tags": {"$in": ["ihk"]}}, member_of(["o1", "o2"])]},
                    member_of(["o2"]),
                ]
            },
        ]
    }
    assert member_of(["o1"]) == {
        "$or": [
            {"organisation_id": {"$in": ["o1"]}},
            {"memberships.organisation_id": {"$in": ["o1"]}},
        ]
    }


def _operands(query: object, operator: str) -> list:  # type: ignore[type-arg]
    """Every operand of ``operator`` anywhere in ``query``."""
    if isinstance(query, dict):
        found = [query[operator]] if operator in query else []
        return found + [o for value in query.values() for o in _operands(value, operator)]
    if isinstance(query, list):
        return [o for item in query for o in _operands(item, operator)]
    return []


@pytest.mark.parametrize(
    ("organisation_ids", "tagged"),
    [([], None), ([], []), (None, []), (["o1"], []), (["o1"], ["o1"])],
)
def test_a_filter_no_organisation_meets_selects_nobody_without_an_empty_in(
    organisation_ids: list[str] | None, tagged: list[str] | None
) -> None:
    criteria = ContactFilter(tags=["ihk"], officers=["niemand"], districts=["Hörde"])
    query = person_query(
        criteria, "anna", organisation_ids=organisation_ids, tagged_organisation_ids=tagged
    )
    assert [] not in _operands(query, "$in")
    if organisation_ids == []:
        assert query is None  # nobody: the repository answers an empty page without asking


def test_name_cursors_carry_the_sort_value_and_refuse_other_orders() -> None:
    cursor = cursor_of({"_id": "b" * 24, "sort_name": "muller"}, ORDERS["-name"])
    assert after(cursor, ORDERS["-name"]) == {
        "$or": [
            {"sort_name": {"$lt": "muller"}},
            {"sort_name": "muller", "_id": {"$lt": "b" * 24}},
            {"sort_name": None},  # the shared cursors also reach null values (last, descending)
        ]
    }
    with pytest.raises(Unprocessable):
        check_cursor(cursor, ORDERS["name"])
    for nonsense in ("nonsense", "e30", "WzEsMiwzXQ", "!!"):
        with pytest.raises(Unprocessable):
            check_cursor(nonsense, ORDERS["name"])
    assert cursor_of({"_id": "a" * 24}, ORDERS["created"]) == "a" * 24
    assert after("a" * 24, ORDERS["-created"]) == {"_id": {"$lt": "a" * 24}}
    with pytest.raises(Unprocessable):
        check_cursor("nonsense", ORDERS["created"])


def test_a_cursor_handed_out_before_the_shared_pagination_still_reads() -> None:
    # how contacts wrote a name cursor itself: base64 of [sort, value, last id]
    earlier = base64.urlsafe_b64encode(json.dumps(["name", "muller", "b" * 24]).encode())
    token = earlier.decode().rstrip("=")
    assert cursor_of({"_id": "b" * 24, "sort_name": "muller"}, ORDERS["name"]) == token
    check_cursor(token, ORDERS["name"])
    assert after(token, ORDERS["name"]) == {
        "$or": [
            {"sort_name": {"$gt": "muller"}},
            {"sort_name": "muller", "_id": {"$gt": "b" * 24}},
        ]
    }


def test_numbers_are_not_dates_and_zero_is_not_false() -> None:
    with pytest.raises(ValidationError):
        OrganisationCreate(name="X", district="Eving", partner_since=0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SegmentWrite.model_validate({"name": "x", "filter": {"has_consent": 0}})
    with pytest.raises(ValidationError):
        SegmentWrite.model_validate({"name": "x", "filter": {"$where": "1"}})
    segment = SegmentWrite.model_validate(
        {"name": "x", "filter": {"has_consent": False, "partner_since_from": "2020-10-01"}}
    )
    assert segment.filter.partner_since_from == date(2020, 10, 1)
