"""A person's places at organisations: a teacher at a school and, say, an ambassador at a
company, with a role (and position) at each. Plain Python, no I/O.

The first membership is the main one: the person's ``organisation_id``, ``role`` and
``position`` are its, and the person's district defaults to its organisation's. Requests may
still name only ``organisation_id``, ``role`` and ``position`` (the main membership) or give the
whole list (``memberships``), or both: the organisation named comes first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aiq_shared.contracts import contacts
from aiq_shared.errors import Unprocessable

MAIN = ("organisation_id", "role", "position")
MOST = 10


class Membership(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation_id: str = Field(min_length=1, max_length=64)
    role: str | None = Field(default=None, max_length=120, description="e.g. Lehrkraft")
    position: str | None = Field(default=None, max_length=120, description="Job title")


def arranged(
    current: Sequence[Membership],
    given: Sequence[Membership] | None,
    main: Mapping[str, Any],
) -> list[Membership]:
    """The memberships after a request: ``given`` (the whole list) or else ``current``, with
    the main fields the request names (``main``: any of organisation_id, role, position).

    A new ``organisation_id`` becomes the main membership: one already in the list moves to
    the front; otherwise it takes the main one's place (the person moved), or is added first
    when the request gives the list. ``organisation_id: null`` leaves the main organisation.
    """
    result = list(given if given is not None else current)
    if "organisation_id" in main:
        organisation_id = main["organisation_id"]
        if organisation_id is None:
            result = result[1:]
        else:
            same = next((m for m in result if m.organisation_id == organisation_id), None)
            if same is not None:
                result.remove(same)
            elif result and given is None:
                same = result.pop(0).model_copy(update={"organisation_id": organisation_id})
            else:
                same = Membership(organisation_id=organisation_id)
            result.insert(0, same)
    roles = {field: main[field] for field in ("role", "position") if field in main}
    if roles and result:
        result[0] = result[0].model_copy(update=roles)
    ids = [m.organisation_id for m in result]
    if len(set(ids)) != len(ids):
        raise Unprocessable("an organisation is named twice among the memberships")
    if len(result) > MOST:
        raise Unprocessable(f"at most {MOST} memberships")
    return result


def main_id(organisation_id: str | None, given: Sequence[Membership] | None) -> str | None:
    """The main organisation a request names: ``organisation_id``, else the first given."""
    return organisation_id or (given[0].organisation_id if given else None)


def settle(
    values: dict[str, Any],
    current: Sequence[Membership],
    given: Sequence[Membership] | None,
    named: Collection[str],
) -> dict[str, Any]:
    """A person's ``values`` with the memberships a request leads to (``named``: the fields
    the request gives; ``given``: its ``memberships``, if it gives them)."""
    main = {field: values.get(field) for field in MAIN if field in named}
    if not main and given is None:
        return values
    result = arranged(current, given, main)
    return {**values, "memberships": result} | ({} if result else {"organisation_id": None})


def main_first(person: Any) -> Any:
    """A person's main fields follow the first membership; a person stored before memberships
    (``organisation_id`` only) reads with that one membership."""
    if person.memberships:
        main = person.memberships[0]
        person.organisation_id, person.role, person.position = (
            main.organisation_id,
            main.role,
            main.position,
        )
    elif person.organisation_id:
        person.memberships = [
            Membership(
                organisation_id=person.organisation_id, role=person.role, position=person.position
            )
        ]
    return person


def moved(memberships: Sequence[Membership], merged_id: str, surviving_id: str) -> list[Membership]:
    """After ``merged_id`` was folded into ``surviving_id``: one membership there, in the
    earlier place, with the role and position either had."""
    result: list[Membership] = []
    for membership in memberships:
        if membership.organisation_id == merged_id:
            membership = membership.model_copy(update={"organisation_id": surviving_id})
        same = next((m for m in result if m.organisation_id == membership.organisation_id), None)
        if same is None:
            result.append(membership)
        else:
            result[result.index(same)] = same.model_copy(
                update={
                    "role": same.role or membership.role,
                    "position": same.position or membership.position,
                }
            )
    return result


def published(memberships: Sequence[Membership]) -> list[contacts.Membership]:
    return [contacts.Membership(**m.model_dump()) for m in memberships]
