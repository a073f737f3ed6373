"""Every filter combination of every list, search, export and segment preview answers 200:
filters that select nobody give an empty page (issue 9: an empty ``$in`` broke the server)."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

pytestmark = pytest.mark.integration

# Each selects nobody in the data below (one company in Hörde, one person there).
NOBODY = {
    "tag": "unbekannt",
    "officer": "t.yilmaz",
    "status": "ended",
    "industry": "Baugewerbe",
    "industry_section": "T",
    "kind": "school",
    "organisation_kind": "school",
    "district": "Mengede",
    "partner_since_from": "2030-01-01",
    "q": "niemand",
}
# ... and these select the person (or their organisation) alone.
SOMEBODY = {"district": "Hörde", "tag": "ihk", "has_consent": "true", "sort": "name"}
ORGANISATION_LISTS = ("/organisations", "/organisations/export")
PEOPLE_ONLY = {"has_consent", "organisation_kind"}


def _combinations() -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{name: value} for name, value in NOBODY.items()]
    combos += [dict(pair) for pair in itertools.combinations(NOBODY.items(), 2)]
    combos += [{**SOMEBODY, name: value} for name, value in NOBODY.items()]
    combos.append({"tag": ["unbekannt", "auch-nicht"], "officer": ["nobody", "t.yilmaz"]})  # type: ignore[dict-item]
    return combos


def _listed(value: object) -> list:  # type: ignore[type-arg]
    return value if isinstance(value, list) else [value]


def _for(path: str, params: dict) -> dict | None:  # type: ignore[type-arg]
    """The parameters as ``path`` reads them (None: nothing there selects nobody)."""
    if path in ORGANISATION_LISTS:
        params = {k: v for k, v in params.items() if k not in PEOPLE_ONLY}
    if not any(value in _listed(params.get(name)) for name, value in NOBODY.items()):
        return None
    if path not in ORGANISATION_LISTS and params.get("kind"):
        params = {**params, "kind": "student"}  # a person's kind on people lists
    if path.endswith("/export"):
        params = {k: v for k, v in params.items() if k != "sort"} | {"format": "csv"}
    return params


def _rows(response) -> int:  # type: ignore[no-untyped-def]
    if response.headers["content-type"].startswith("text/csv"):
        return len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) - 1
    return len(response.json()["items"])


async def test_filters_that_select_nobody_answer_an_empty_page(contacts_and_events) -> None:
    contacts = contacts_and_events.contacts
    organisation = (
        await contacts.post(
            "/organisations",
            json={"name": "Elektro Westfalen", "district": "Hörde", "tags": ["ihk"]},
        )
    ).json()
    await contacts.post(
        "/people",
        json={
            "first_name": "Anna",
            "last_name": "Schmidt",
            "email": "anna@elektro.example",
            "organisation_id": organisation["id"],
            "email_consent": True,
        },
    )
    segment = (
        await contacts.post(
            "/segments",
            json={"name": "Niemand", "filter": {"tags": ["unbekannt"], "officers": ["x"]}},
        )
    ).json()
    paths = [*ORGANISATION_LISTS, "/people", "/people/export"]
    paths.append(f"/organisations/{organisation['id']}/people")

    failures = []
    for combination, path in itertools.product(_combinations(), paths):
        params = _for(path, combination)
        if params is None:
            continue
        response = await contacts.get(path, params=params)
        if response.status_code != 200 or _rows(response) != 0:
            failures.append((path, params, response.status_code, response.text[:200]))
        elif not path.endswith("/export") and response.json()["total"] != 0:
            failures.append((path, params, "total", response.json()["total"]))
    preview = await contacts.get(f"/segments/{segment['id']}/people")
    if preview.status_code != 200 or preview.json() != {
        "items": [],
        "next_cursor": None,
        "total": 0,
    }:
        failures.append(("segment preview", preview.status_code, preview.text[:200]))
    assert failures == []

    # the same lists still select somebody when the filters do
    for path in paths:
        response = await contacts.get(path, params={"tag": "ihk", "district": "Hörde"})
        assert response.status_code == 200 and _rows(response) == 1, (path, response.text)
