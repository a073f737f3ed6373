"""Saved segments: a named, stored :class:`ContactFilter` that invitations can target."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from aiq_shared.targeting import ContactFilter


def _strict(value: object) -> object:
    """A filter as JSON means it: ``0`` is not ``false`` and a number is not a date."""
    if isinstance(value, dict):
        return ContactFilter.model_validate_json(json.dumps(value, default=str), strict=True)
    return value


class SegmentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    filter: Annotated[ContactFilter, BeforeValidator(_strict)] = ContactFilter()


class Segment(SegmentWrite):
    model_config = ConfigDict(extra="ignore")

    id: str
    updated_at: AwareDatetime
    districts: list[str] = Field(
        default=[],
        description="Read only: the districts it belongs to (its creator's; a coordinator's: "
        "every district); visible to their officers",
    )
