"""Saved segments: a named, stored :class:`ContactFilter` that invitations can target."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aiq_shared.targeting import ContactFilter


class SegmentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    filter: ContactFilter = ContactFilter()


class Segment(SegmentWrite):
    model_config = ConfigDict(extra="ignore")

    id: str
    updated_at: AwareDatetime
