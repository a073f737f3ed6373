"""The field types the contacts' records share: names, tags, email addresses, websites, phone
numbers, dates and times as they are stored. Plain pydantic, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    EmailStr,
    Field,
    TypeAdapter,
    ValidationError,
)

from aiq_shared.errors import Unprocessable

Name = Field(min_length=1, max_length=200)
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. de, en, tr")]


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags are trimmed, lower-case, without repeats, in the order given."""
    seen: dict[str, None] = {}
    for tag in tags:
        tag = " ".join(tag.split()).lower()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


Tag = Annotated[str, Field(max_length=60)]
Tags = Annotated[list[Tag], Field(max_length=30), AfterValidator(clean_tags)]


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


Email = Annotated[EmailStr, AfterValidator(_lower)]
_URL = TypeAdapter(AnyHttpUrl)


def _url(value: str) -> str:
    return str(_URL.validate_python(value if "://" in value else f"https://{value}"))


Website = Annotated[str, Field(max_length=300), AfterValidator(_url)]


def _iso_date(value: object) -> object:
    """Dates are ISO strings (``2020-10-01``), not numbers read as seconds since 1970."""
    if isinstance(value, (int, float, bool)):
        raise ValueError("a date is written as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9 ()/\-]{3,30}$")]


def as_stored(value: datetime) -> datetime:
    """A time as the database keeps it (UTC, to the millisecond), so that the answer to a
    write equals every later read."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


Moment = Annotated[AwareDatetime, AfterValidator(as_stored)]


def validated[M: BaseModel](model: type[M], data: dict) -> M:
    """A changed record is valid as a whole, or the change is refused clearly."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        raise Unprocessable("the change leaves an invalid record", errors=problems) from error
