"""From a posted form to an API body, and back (pure: no HTTP, unit-tested).

Form fields are named like the API's fields (``address.postcode``), so a 422's ``loc`` points
at the field that was typed in. What a person typed is kept as it came (``values``) and shown
again on any problem; the body the API gets leaves out what was left empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ORGANISATION_FIELDS = (
    "name",
    "kind",
    "industry",
    "size",
    "district",
    "officer",
    "partner_since",
    "status",
    "website",
)
ADDRESS_FIELDS = ("street", "postcode", "city")
PERSON_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organisation_id",
    "role",
    "position",
    "district",
    "language",
)


def values_of(form: Mapping[str, Any] | Any, multi: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A form (or query) as a dict: the fields named in ``multi`` become lists."""
    getlist = getattr(form, "getlist", None)
    result: dict[str, Any] = {}
    for key in form.keys():
        if key == "csrf":
            continue
        if getlist is not None and key in multi:
            result[key] = [v for v in getlist(key) if isinstance(v, str) and v != ""]
        else:
            value = form.get(key)
            result[key] = value.strip() if isinstance(value, str) else value
    return result


# the filters that repeat ("any of"), and the lists of choices forms post
MULTI = frozenset({"district", "industry", "industry_section", "kind", "status", "tag", "officer",
                   "organisation_kind", "topic_table_ids", "student_person_ids"})  # fmt: skip


def filters_of(form: Mapping[str, Any] | Any) -> dict[str, Any]:
    """A filter form or query string: its repeatable fields as lists."""
    return values_of(form, MULTI)


def words(text: str | None) -> list[str]:
    """``"ausbildung, speed-woche; ag"`` -> ``["ausbildung", "speed-woche", "ag"]``."""
    if not text:
        return []
    return [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]


def _given(values: Mapping[str, Any], name: str) -> Any:
    value = values.get(name)
    return None if value in ("", None, []) else value


def _plain(values: Mapping[str, Any], names, clearable, partial: bool) -> dict[str, Any]:
    """The fields given; with ``partial`` (a PATCH) the clearable ones left empty as null."""
    body: dict[str, Any] = {}
    for name in names:
        value = _given(values, name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            body[name] = value
        elif partial and name in clearable:
            body[name] = None
    return body


def organisation_body(values: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    """POST /organisations (empty fields left out) or PATCH (empty optional fields cleared)."""
    clearable = set(ORGANISATION_FIELDS) - {"name", "district", "kind", "status"}
    body = _plain(values, ORGANISATION_FIELDS, clearable, partial)
    if partial and "name" not in body:
        body["name"] = ""  # the API says it is needed, next to the field
    address = {k: _given(values, f"address.{k}") for k in ADDRESS_FIELDS}
    if any(address.values()):
        body["address"] = address
    elif partial:
        body["address"] = None
    tags = words(values.get("tags"))
    if tags or partial:
        body["tags"] = tags
    return body


def organisation_values(organisation: Mapping[str, Any]) -> dict[str, Any]:
    """An organisation as its edit form shows it."""
    values = {name: organisation.get(name) or "" for name in ORGANISATION_FIELDS}
    for key in ADDRESS_FIELDS:
        values[f"address.{key}"] = (organisation.get("address") or {}).get(key) or ""
    values["tags"] = ", ".join(organisation.get("tags") or [])
    return values


def person_body(values: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    clearable = ("last_name", "email", "phone", "role", "position")
    body = _plain(values, PERSON_FIELDS, clearable, partial)
    tags = words(values.get("tags"))
    if tags or partial:
        body["tags"] = tags
    if not partial and values.get("email_consent"):
        body["email_consent"] = True
    if values.get("class_level"):
        body["class_level"] = values["class_level"]
    return body


def person_values(person: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: person.get(name) or "" for name in PERSON_FIELDS}
    values["tags"] = ", ".join(person.get("tags") or [])
    return values


FILTER_PARAMS = (
    "q",
    "district",
    "industry",
    "industry_section",
    "kind",
    "status",
    "tag",
    "officer",
    "partner_since_from",
    "partner_since_to",
    "organisation_kind",
    "has_consent",
    "sort",
)


def list_params(values: Mapping[str, Any]) -> dict[str, Any]:
    """The list filters a query string carries, as the API takes them (repeatable ones)."""
    params = {k: values[k] for k in FILTER_PARAMS if values.get(k) not in (None, "", [])}
    if "tag" in params:
        params["tag"] = [t for tag in params["tag"] for t in words(tag)]
    return params


def contact_filter(values: Mapping[str, Any]) -> dict[str, Any]:
    """A segment's or an invitation's ``ContactFilter`` from the filter form."""
    as_list = lambda name: [v for v in (values.get(name) or []) if v]  # noqa: E731
    result: dict[str, Any] = {
        "districts": as_list("district"),
        "industries": as_list("industry"),
        "tags": [t for tag in as_list("tag") for t in words(tag)],
        "statuses": as_list("status"),
        "person_kinds": as_list("kind"),
        "organisation_kinds": as_list("organisation_kind"),
        "officers": as_list("officer"),
    }
    result = {k: v for k, v in result.items() if v}
    for name in ("partner_since_from", "partner_since_to"):
        if values.get(name):
            result[name] = values[name]
    if values.get("has_consent") in ("true", "false"):
        result["has_consent"] = values["has_consent"] == "true"
    return result


def filter_values(contact_filter_: Mapping[str, Any]) -> dict[str, Any]:
    """A stored ``ContactFilter`` as the filter form shows it."""
    names = {
        "districts": "district",
        "industries": "industry",
        "statuses": "status",
        "person_kinds": "kind",
        "organisation_kinds": "organisation_kind",
        "officers": "officer",
    }
    values: dict[str, Any] = {form: contact_filter_.get(api) or [] for api, form in names.items()}
    values["tag"] = [", ".join(contact_filter_.get("tags") or [])]
    for name in ("partner_since_from", "partner_since_to"):
        values[name] = contact_filter_.get(name) or ""
    consent = contact_filter_.get("has_consent")
    values["has_consent"] = "" if consent is None else ("true" if consent else "false")
    return values
