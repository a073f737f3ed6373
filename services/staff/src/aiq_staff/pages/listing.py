"""A filtered, sorted, paged list of organisations or people, and its export: the list
page answers an htmx search with its results block only, and pushes the URL that shows it."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request

from aiq_staff import forms
from aiq_staff.pages.downloads import passed_on
from aiq_staff.web import is_htmx, render


def query_string(params: dict) -> str:
    return urlencode(
        [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]
    )


async def list_page(request: Request, fetch, template: str, choices: dict, cursor: str | None):
    """``fetch`` is the contacts API's list call (organisations or people)."""
    values = forms.filters_of(request.query_params)
    params = forms.list_params(values)
    params.setdefault("sort", "name")
    page = await fetch({**params, "limit": 25, "cursor": cursor})
    query = query_string(params)
    context = {"page": page, "values": values, "query": query, **choices}
    response = render(request, template, context, block="results")
    if is_htmx(request):
        response.headers["HX-Push-Url"] = f"{request.url.path}?{query}"
    return response


async def export(request: Request, apis, what: str, name: str, format: str):
    params = forms.list_params(forms.filters_of(request.query_params))
    download = await apis.contacts.reference.export(what, {**params, "format": format})
    return passed_on(download, f"{name}.{format}")
