"""The person form's organisation picker: words typed, the contacts API's search, a choice of
names (never an id typed by hand). The services are answers given here (test_staff_app)."""

from __future__ import annotations

from test_staff_app import app_and_services, client, signed_in  # noqa: F401 (a fixture)

FOUND = {
    "items": [
        {"id": "o1", "name": "Metallbau Emscher"},
        {"id": "o2", "name": "Metallwerk Hörde"},
    ],
    "next_cursor": None,
    "total": 2,
}


async def test_the_organisation_is_chosen_from_what_the_search_finds(app_and_services) -> None:  # noqa: F811
    app, services = app_and_services
    services.answer("GET", "/organisations", 200, FOUND)
    services.answer("GET", "/organisations/o9", 200, {"id": "o9", "name": "Bäckerei Phoenixsee"})
    async with client(app) as browser:
        await signed_in(browser)
        form = await browser.get("/personen/neu")
        assert 'hx-get="/personen/organisationen"' in form.text
        assert 'type="search"' in form.text and "Organisation suchen" in form.text
        picked = await browser.get(
            "/personen/organisationen",
            params={"organisation_q": " metall ", "organisation_id": "o9"},
            headers={"HX-Request": "true"},
        )
    assert picked.status_code == 200
    assert "<html" not in picked.text and 'id="organisation-choices"' in picked.text
    options = picked.text[picked.text.index("<select") :]
    assert options.index("Bäckerei Phoenixsee") < options.index("Metallbau Emscher")
    assert '<option value="o9" selected>' in options and '<option value="o2">' in options
    search = [r for r in services.requests if r.url.path == "/organisations"][-1]
    assert (search.url.params["q"], search.url.params["limit"]) == ("metall", "20")
