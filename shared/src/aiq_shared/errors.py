"""One family of domain errors (RFC 9457 problem details are made of them in one place,
``aiq_shared.problems``). Pure: rules raise these and import nothing of HTTP or databases."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable request"


class Unauthenticated(DomainError):
    status = 401
    title = "Not signed in"
    headers = {"WWW-Authenticate": 'Bearer realm="aiq"'}  # noqa: RUF012 - constant


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"
