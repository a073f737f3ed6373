"""The check-in desk finds an expected person by name (someone without their code), through
the events API's name search; the counts stay the whole meeting's. The services are answers
given here (test_staff_app)."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager
from test_staff_app import FakeServices, client, settings, signed_in

from aiq_staff.app import create_app

MEETING = {
    "id": "m1",
    "title": "Netzwerktreffen Hörde",
    "districts": ["Hörde"],
    "topic_tables": [],
    "status": "published",
    "starts_at": "2027-05-06T16:00:00+02:00",
    "ends_at": "2027-05-06T19:00:00+02:00",
    "venue": {"name": "Bürgerhaus"},
}


def registration(n: str, name: str, checked_in: bool = False) -> dict:
    return {
        "id": n, "display_name": name, "status": "confirmed", "district": "Hörde", "seats": 1,
        "table_seats": [], "check_in_code": f"C{n}", "walk_in": False,
        "checked_in_at": "2027-05-06T16:05:00+00:00" if checked_in else None,
    }  # fmt: skip


EVERYONE = [
    registration("r1", "Anna Özdemir"),
    registration("r2", "Jörg Brandt"),
    registration("r3", "Annika Weber", checked_in=True),
]


class DeskServices(FakeServices):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/events/m1":
            self.requests.append(request)
            return httpx.Response(200, json=MEETING)
        if request.url.path == "/events/m1/registrations":
            self.requests.append(request)
            q = request.url.params.get("q", "").casefold()
            items = [r for r in EVERYONE if q in r["display_name"].casefold()]
            return httpx.Response(200, json={"items": items, "next_cursor": None})
        return super().__call__(request)


async def test_the_desk_finds_an_expected_person_by_name() -> None:
    services = DeskServices()
    app = create_app(settings(), transport=httpx.MockTransport(services))
    async with LifespanManager(app), client(app) as browser:
        await signed_in(browser)
        whole = await browser.get("/veranstaltungen/m1/einlass")
        found = await browser.get("/veranstaltungen/m1/einlass", params={"name": " anna "})
        nobody = await browser.get("/veranstaltungen/m1/einlass", params={"name": "Zorro"})
    assert whole.status_code == found.status_code == nobody.status_code == 200
    assert "Anna Özdemir" in whole.text and "Jörg Brandt" in whole.text
    expected = found.text[found.text.index('id="erwartet"') : found.text.index("Spontan dabei")]
    assert "Anna Özdemir" in expected and "Jörg Brandt" not in expected
    assert "Annika Weber" not in expected  # she is here already
    assert "1 Erwartete für „anna“" in found.text
    assert "1 da, 2 erwartet" in found.text  # the counts are the meeting's
    assert 'value="anna"' in found.text  # what was typed stays in the field
    assert "Niemand Erwartetes mit diesem Namen." in nobody.text
    asked = [
        r.url.params.get("q") for r in services.requests if r.url.path.endswith("/registrations")
    ]
    assert "anna" in asked and "Zorro" in asked
