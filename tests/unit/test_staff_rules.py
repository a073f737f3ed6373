"""The staff app's page logic that needs no browser: problem -> German message per field,
form -> API body (nothing typed lost), navigation by role, sign-in helpers, timelines."""

from __future__ import annotations

from aiq_staff import forms, meeting_forms, navigation
from aiq_staff.api import ApiProblem
from aiq_staff.pages.home import mine_first
from aiq_staff.pages.outcomes import companies_of, outcome_body
from aiq_staff.problems import field_name, form_problems
from aiq_staff.seating import per_table, waitlist
from aiq_staff.signin import safe_next, user_from_claims
from aiq_staff.timeline import timeline


def test_a_422_becomes_german_messages_next_to_the_fields_it_names() -> None:
    problem = ApiProblem(
        422,
        "The request does not match the schema.",
        "contacts",
        errors=[
            {
                "loc": ["body", "name"],
                "msg": "String should have at least 1 character",
                "type": "string_too_short",
            },
            {
                "loc": ["body", "address", "postcode"],
                "msg": "String should match pattern",
                "type": "string_pattern_mismatch",
            },
            {
                "loc": ["body", "kind"],
                "msg": "Input should be 'note', 'call', 'visit' or 'email'",
                "type": "enum",
            },
            {
                "loc": ["body", "email"],
                "msg": "value is not a valid email address: ...",
                "type": "value_error",
            },
        ],
    )
    found = form_problems(problem)
    assert found.fields == {
        "name": "Bitte füllen Sie dieses Feld aus.",
        "address.postcode": "Bitte prüfen Sie das Format.",
        "kind": "Bitte wählen Sie einen der angebotenen Werte.",
        "email": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
    }
    assert found.general == "Bitte prüfen Sie die markierten Angaben."
    assert found.detail == "The request does not match the schema."


def test_the_services_own_problems_name_their_field_too() -> None:
    industry = ApiProblem(
        422, "unknown industry", "contacts", extra={"suggested_industries": ["Hotellerie", "Hotel"]}
    )
    assert form_problems(industry).fields["industry"] == (
        "Diese Branche ist nicht bekannt. Meinten Sie: Hotellerie, Hotel?"
    )
    taken = ApiProblem(409, "email held", "contacts", extra={"existing_person_id": "p1"})
    assert "E-Mail-Adresse gehört schon" in form_problems(taken).fields["email"]
    student = ApiProblem(422, "not for students", "contacts", extra={"fields": ["email"]})
    assert form_problems(student).fields == {"email": "Diese Angabe ist hier nicht vorgesehen."}
    ended = ApiProblem(409, "has ended", "events", extra={"reason": "ended"})
    assert form_problems(ended).general.startswith("Das Treffen ist bereits vorbei")
    away = ApiProblem(503, "unreachable", "events")
    assert "nicht erreichbar" in form_problems(away).general
    assert field_name(["body", "topic_tables", 1, "capacity"]) == "topic_tables.1.capacity"
    assert field_name(["query", "due"]) == "due"


def test_an_organisation_form_becomes_its_body_and_its_values_again() -> None:
    values = {
        "name": " Metallbau Emscher ",
        "district": "Hörde",
        "industry": "",
        "address.postcode": "44263",
        "address.street": "",
        "tags": "ausbildung; AG, ",
        "website": "",
    }
    body = forms.organisation_body(forms.values_of(values))
    assert body == {
        "name": "Metallbau Emscher",
        "district": "Hörde",
        "address": {"street": None, "postcode": "44263", "city": None},
        "tags": ["ausbildung", "AG"],
    }
    patch = forms.organisation_body({"name": "X", "district": "Hörde"}, partial=True)
    assert patch["website"] is None and patch["address"] is None and patch["tags"] == []
    again = forms.organisation_values(
        {"name": "X", "address": {"postcode": "44263"}, "tags": ["a", "b"], "district": "Hörde"}
    )
    assert again["address.postcode"] == "44263" and again["tags"] == "a, b"


def test_filters_repeat_and_empty_ones_are_left_out() -> None:
    class Query(dict):
        def getlist(self, key):
            return self[key] if isinstance(self[key], list) else [self[key]]

    query = Query(q="bäck", district=["Hörde", "Eving"], status=[""], tag="a, b", sort="name")
    values = forms.filters_of(query)
    assert forms.list_params(values) == {
        "q": "bäck",
        "district": ["Hörde", "Eving"],
        "tag": ["a", "b"],
        "sort": "name",
    }
    assert forms.contact_filter(
        {"district": ["Hörde"], "has_consent": "true", "tag": ["x, y"]}
    ) == {"districts": ["Hörde"], "tags": ["x", "y"], "has_consent": True}
    stored = {"districts": ["Eving"], "tags": ["x"], "has_consent": False}
    assert forms.contact_filter(forms.filter_values(stored)) == stored


def test_a_meeting_form_drops_empty_rows_and_numbers_the_rest_as_the_body_does() -> None:
    values = {
        "title": "Netzwerktreffen",
        "starts_at": "2027-01-14T16:00",
        "ends_at": "2027-01-14T19:00",
        "venue.name": "Café Durchblick",
        "capacity": "60",
        "districts": ["Hörde"],
        "topic_tables.0.title": "Speed-Woche",
        "topic_tables.0.capacity": "8",
        "topic_tables.1.title": "",
        "topic_tables.1.capacity": "",
        "topic_tables.2.title": "Schul-AGs",
        "topic_tables.2.capacity": "x",
        "agenda.0.kind": "welcome",
        "agenda.0.title": "",  # a kind alone is an empty row
    }
    body, shown = meeting_forms.meeting_body(values)
    assert [t["title"] for t in body["topic_tables"]] == ["Speed-Woche", "Schul-AGs"]
    assert body["agenda"] == [] and body["rounds"] == []
    assert body["venue"] == {"name": "Café Durchblick", "address": None}
    # a 422 on topic_tables.1.capacity points at the row shown second, which holds "x"
    assert shown["topic_tables.1.capacity"] == "x" and "topic_tables.2.title" not in shown
    change = meeting_forms.change_body({"title": "Neu", "venue.name": "Ort"})
    assert set(change) == {"title", "venue", "registration_deadline"}


def test_navigation_and_actions_follow_the_role() -> None:
    labels = [item.label for item in navigation.navigation("officer")]
    # imports are for coordination (issue 11): an officer is not offered them
    assert labels == ["Mein Bezirk", "Betriebe", "Personen", "Segmente", "Veranstaltungen"]
    assert "Import" in [item.label for item in navigation.navigation("coordinator")]
    assert navigation.navigation(None) == []
    for action in ("erase", "merge", "import"):
        assert not navigation.may("officer", action)
        assert navigation.may("coordinator", action) and navigation.may("admin", action)
        assert navigation.REFUSALS[action]
    item = navigation.NAVIGATION[1]
    assert navigation.current("/betriebe/abc", item) and not navigation.current("/", item)


def test_sign_in_goes_back_only_to_a_page_of_this_app() -> None:
    assert safe_next("/betriebe?q=a") == "/betriebe?q=a"
    for bad in (None, "", "https://evil.example/", "//evil.example", "/\\evil", "betriebe"):
        assert safe_next(bad) == "/"


def test_the_claims_name_role_and_districts() -> None:
    user = user_from_claims(
        {
            "sub": "uuid-1",
            "preferred_username": "m.schneider",
            "name": "Maria Schneider",
            "role": "officer",
            "districts": ["Hörde"],
        }
    )
    assert (user.username, user.role, user.districts) == ("m.schneider", "officer", ["Hörde"])
    assert user_from_claims({"sub": "x", "role": "superuser"}) is None  # no role: no entry
    assert user_from_claims({"sub": "x", "role": "admin", "districts": "Eving"}).districts == [
        "Eving"
    ]


def test_the_timeline_holds_everything_newest_first_across_time_zones() -> None:
    entries = timeline(
        [
            {"kind": "note", "occurred_at": "2026-12-01T10:00:00Z"},
            {"kind": "meeting_attendance", "occurred_at": "2026-12-01T12:30:00+01:00"},
        ],
        [{"kind": "call", "created_at": "2026-12-01T11:00:00+00:00"}],
    )
    assert [e.kind for e in entries] == ["meeting_attendance", "follow_up", "note"]


def test_my_follow_ups_come_first_and_nobody_twice() -> None:
    mine = [{"id": "1", "owner": "me"}]
    everyone = [{"id": "1", "owner": "me"}, {"id": "2", "owner": "you"}, {"id": "3", "owner": "me"}]
    assert mine_first(mine, everyone, "me") == (mine, [{"id": "2", "owner": "you"}])


def test_seats_per_table_and_round_and_the_waitlist_in_order() -> None:
    meeting = {"topic_tables": [{"id": "t1", "capacity": 2}], "rounds": []}
    regs = [
        {
            "id": "a",
            "status": "confirmed",
            "seats": 2,
            "table_seats": [{"topic_table_id": "t1", "round": 1, "status": "seated"}],
        },
        {
            "id": "b",
            "status": "confirmed",
            "seats": 1,
            "table_seats": [
                {"topic_table_id": "t1", "round": 1, "status": "waitlisted", "waitlist_seq": 1}
            ],
        },
        {"id": "c", "status": "waitlisted", "waitlist_seq": 2},
        {"id": "d", "status": "waitlisted", "waitlist_seq": 1},
    ]
    [line] = per_table(meeting, regs)
    assert line["taken"] == 2 and [e["registration"]["id"] for e in line["waiting"]] == ["b"]
    assert [r["id"] for r in waitlist(regs)] == ["d", "c"]


def test_outcomes_per_company_and_their_body() -> None:
    rows = [
        {
            "organisation_id": "o1",
            "organisation_name": "Bäckerei",
            "display_name": "A",
            "checked_in": False,
        },
        {
            "organisation_id": "o1",
            "organisation_name": "Bäckerei",
            "display_name": "B",
            "checked_in": True,
        },
        {"organisation_id": None, "display_name": "Gast"},
    ]
    assert companies_of(rows) == [
        {"organisation_id": "o1", "name": "Bäckerei", "people": ["A", "B"], "attended": True}
    ]
    body = outcome_body(
        {
            "organisation_id": "o1",
            "note": "Praktikum",
            "follow_up.title": "Mai",
            "follow_up.due": "2027-05-01",
        },
        "m.schneider",
    )
    assert body["follow_ups"] == [
        {"kind": "other", "title": "Mai", "due": "2027-05-01", "owner": None}
    ]
    assert outcome_body({"organisation_id": "o1"}, "x")["follow_ups"] == []
