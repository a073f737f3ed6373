"""Calling the services' public REST APIs with the signed-in person's own token.

One ``httpx.AsyncClient`` per service for the whole app (connection pooling); each request
carries ``Authorization: Bearer <the person's access token>``, so the services decide what
this person may see and do (their roles and district scoping apply unchanged). Problems
(``application/problem+json``) become :class:`ApiProblem`; a service that does not answer
becomes a 503 problem too, so pages never show a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

SERVICES = ("contacts", "events", "notifications")


@dataclass
class ApiProblem(Exception):
    status: int
    detail: str = ""
    service: str = ""
    title: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.service} {self.status}: {self.detail or self.title}"

    @classmethod
    def from_response(cls, service: str, response: httpx.Response) -> ApiProblem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        known = {"type", "title", "status", "detail", "errors", "instance"}
        errors = body.get("errors")
        return cls(
            status=response.status_code,
            detail=str(body.get("detail") or ""),
            service=service,
            title=str(body.get("title") or ""),
            errors=errors if isinstance(errors, list) else [],
            extra={k: v for k, v in body.items() if k not in known},
        )


@dataclass
class Download:
    """A file an API answered (exports, the report's CSV), passed on to the browser."""

    content: bytes
    media_type: str
    filename: str | None


class ServiceApi:
    """One service's API as one signed-in person calls it."""

    def __init__(self, name: str, client: httpx.AsyncClient, token: str | None) -> None:
        self.name, self.client = name, client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException as error:
            raise ApiProblem(503, f"timeout: {error}", self.name, "timeout") from error
        except httpx.TransportError as error:
            raise ApiProblem(503, f"unreachable: {error}", self.name, "unreachable") from error
        if response.status_code >= 400:
            raise ApiProblem.from_response(self.name, response)
        return response

    async def get(self, path: str, params: Any = None) -> Any:
        return (await self.request("GET", path, params=_clean(params))).json()

    async def post(self, path: str, body: Any = None, params: Any = None) -> Any:
        response = await self.request("POST", path, json=body, params=_clean(params))
        return response.json() if response.content else None

    async def patch(self, path: str, body: Any) -> Any:
        return (await self.request("PATCH", path, json=body)).json()

    async def put(self, path: str, body: Any) -> Any:
        return (await self.request("PUT", path, json=body)).json()

    async def delete(self, path: str) -> Any:
        response = await self.request("DELETE", path)
        return response.json() if response.content else None

    async def download(self, path: str, params: Any = None) -> Download:
        response = await self.request("GET", path, params=_clean(params))
        disposition = response.headers.get("content-disposition", "")
        filename = None
        if "filename=" in disposition:
            filename = disposition.split("filename=", 1)[1].strip('"; ')
        media_type = response.headers.get("content-type", "application/octet-stream")
        return Download(response.content, media_type, filename)


def _clean(params: Any) -> Any:
    """Drop empty query parameters (a form's untouched filters); lists stay repeatable."""
    if params is None or not isinstance(params, dict):
        return params
    cleaned: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        cleaned.extend((key, str(v)) for v in values if v not in (None, ""))
    return cleaned


class Clients:
    """The app's long-lived HTTP clients, one per service (created at start-up)."""

    def __init__(self, urls: dict[str, str], timeout: float, transport=None) -> None:
        self.clients = {
            name: httpx.AsyncClient(base_url=urls[name], timeout=timeout, transport=transport)
            for name in SERVICES
        }

    def for_token(self, name: str, token: str | None) -> ServiceApi:
        return ServiceApi(name, self.clients[name], token)

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()
