"""What an API's problem (RFC 9457) means for the person at the form, in German.

A 422's ``errors[].loc`` names the field (``["body", "address", "postcode"]`` is the form's
``address.postcode``); the contacts service's own 422s name it by an extra member
(``known_districts``, ``suggested_industries``, ``known_officers``, ``fields``) and a 409
with ``existing_person_id`` is about the email address. Everything else becomes one message
for the whole form. Pure: no HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiq_staff.api import ApiProblem

# pydantic's error types, as a person would be told
BY_TYPE = {
    "missing": "Bitte füllen Sie dieses Feld aus.",
    "string_too_short": "Bitte füllen Sie dieses Feld aus.",
    "string_too_long": "Dieser Text ist zu lang.",
    "string_pattern_mismatch": "Bitte prüfen Sie das Format.",
    "url_parsing": "Bitte geben Sie eine gültige Webadresse an (z. B. https://beispiel.de).",
    "url_scheme": "Bitte geben Sie eine Webadresse mit http:// oder https:// an.",
    "value_error": "Bitte prüfen Sie diese Angabe.",
    "enum": "Bitte wählen Sie einen der angebotenen Werte.",
    "literal_error": "Bitte wählen Sie einen der angebotenen Werte.",
    "int_parsing": "Bitte geben Sie eine ganze Zahl an.",
    "int_type": "Bitte geben Sie eine ganze Zahl an.",
    "greater_than": "Diese Zahl ist zu klein.",
    "greater_than_equal": "Diese Zahl ist zu klein.",
    "less_than": "Diese Zahl ist zu groß.",
    "less_than_equal": "Diese Zahl ist zu groß.",
    "date_parsing": "Bitte geben Sie ein Datum an (TT.MM.JJJJ).",
    "date_from_datetime_parsing": "Bitte geben Sie ein Datum an (TT.MM.JJJJ).",
    "datetime_parsing": "Bitte geben Sie Datum und Uhrzeit an.",
    "datetime_from_date_parsing": "Bitte geben Sie Datum und Uhrzeit an.",
    "too_long": "Das sind zu viele Einträge.",
    "too_short": "Bitte geben Sie mindestens einen Eintrag an.",
    "extra_forbidden": "Diese Angabe ist hier nicht vorgesehen.",
}
EMAIL_HINT = "Bitte geben Sie eine gültige E-Mail-Adresse an."

# a problem's ``reason`` (events service), as the pages say it
BY_REASON = {
    "ended": "Das Treffen ist bereits vorbei: es kann weder veröffentlicht noch eingeladen werden.",
    "not_published": "Das Treffen ist noch ein Entwurf: bitte veröffentlichen Sie es zuerst.",
    "deadline": "Die Anmeldefrist ist abgelaufen.",
    "cancelled": "Das Treffen wurde abgesagt.",
    "closed": "Das Treffen ist bereits abgeschlossen.",
}

BY_STATUS = {
    400: "Die Anfrage konnte nicht verarbeitet werden.",
    401: "Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.",
    403: "Dafür fehlt Ihnen die Berechtigung.",
    404: "Das gibt es nicht (mehr).",
    409: "Das geht gerade nicht.",
    422: "Bitte prüfen Sie die markierten Angaben.",
    429: "Zu viele Anfragen. Bitte warten Sie einen Moment.",
    503: "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
}


@dataclass
class FormProblems:
    """Messages per form field, and one for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None
    detail: str | None = None  # the service's own words, shown small for the curious

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def field_name(loc: list[Any]) -> str:
    """``["body", "address", "postcode"]`` -> ``address.postcode``; query/path parts too."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    return ".".join(parts)


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type") or "")
    text = str(error.get("msg") or "")
    if kind == "value_error" and "email" in text.lower():
        return EMAIL_HINT
    return BY_TYPE.get(kind, "Bitte prüfen Sie diese Angabe.")


def _domain_fields(problem: ApiProblem) -> dict[str, str]:
    extra, found = problem.extra, {}
    if "suggested_industries" in extra or "known_industries" in extra:
        suggested = extra.get("suggested_industries") or []
        tip = f" Meinten Sie: {', '.join(suggested[:5])}?" if suggested else ""
        found["industry"] = "Diese Branche ist nicht bekannt." + tip
    if "known_districts" in extra:
        found["district"] = "Bitte wählen Sie einen der Stadtbezirke."
    if "known_officers" in extra:
        found["officer"] = "Diese Person ist nicht in der Liste der Betriebsakquisiteur*innen."
    if "existing_person_id" in extra:
        found["email"] = "Diese E-Mail-Adresse gehört schon zu einer anderen Person."
    for name in extra.get("fields") or []:
        found[str(name)] = "Diese Angabe ist hier nicht vorgesehen."
    return found


def form_problems(problem: ApiProblem) -> FormProblems:
    fields: dict[str, str] = {}
    for error in problem.errors:
        if isinstance(error, dict) and error.get("loc"):
            name = field_name(list(error["loc"]))
            fields.setdefault(name or "_", _message(error))
    fields.update(_domain_fields(problem))
    general = BY_REASON.get(str(problem.extra.get("reason", "")))
    if general is None:
        general = BY_STATUS.get(problem.status, BY_STATUS[400])
        if problem.status == 409 and problem.detail and not fields:
            general = f"{general} Der Dienst meldet einen Konflikt."
    return FormProblems(fields=fields, general=general, detail=problem.detail or None)


def page_message(problem: ApiProblem) -> str:
    """One German sentence for a problem outside a form (an action button, a page)."""
    return form_problems(problem).general or BY_STATUS[400]
