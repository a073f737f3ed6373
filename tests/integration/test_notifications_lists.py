"""Every list and dashboard of the notifications API answers 200 when its filters select
nobody (an empty page, an empty overview), on a real database (issue 9: the embedded server
refused an empty ``$in``, and the answer was a 500)."""

from __future__ import annotations

import pytest
from notifications_alone import notifications_alone, person, registration

from aiq_shared.auth import issue_token
from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def notifications(settings_for, smtp_server):
    async with notifications_alone(settings_for, smtp_server) as alone:
        yield alone


async def test_filters_that_select_nobody_answer_an_empty_page(notifications) -> None:
    client = notifications.client
    anna = person("p-anna", "Anna")  # something to select from
    await notifications.publish(anna)
    await notifications.knows(anna.person_id)
    await notifications.publish(registration(RegistrationConfirmedV1, "r-anna", anna))
    await eventually(lambda: notifications.deliveries(person_id=anna.person_id, state="sent"))
    for path, params in [
        ("/deliveries", {"event_id": "nope"}),
        ("/deliveries", {"person_id": "nobody", "kind": "tables", "state": "stopped"}),
        (
            "/deliveries",
            {"event_id": "nope", "person_id": "x", "kind": "invitation", "state": "dead"},
        ),
        ("/campaigns", {"event_id": "nope"}),
        ("/address-holds", {}),
    ]:
        response = await client.get(path, params=params)
        assert response.status_code == 200, (path, params, response.text)
        assert response.json()["items"] == [] and response.json()["next_cursor"] is None

    # an officer whose districts are none of the city's sees an empty city overview
    token = issue_token(
        notifications.settings.auth_secret, "o.nirgends", "officer", districts=["Atlantis"]
    )
    signed_in = {"Authorization": f"Bearer {token}"}
    overview = await client.get("/dashboards/city", headers=signed_in)
    assert overview.status_code == 200, overview.text
    assert overview.json() == {"districts": [], "events": []}
    page = await client.get("/dashboard", headers=signed_in)
    assert page.status_code == 200 and "Keine anstehenden Veranstaltungen" in page.text
    board = await client.get("/dashboards/districts/Hörde", params={"upcoming": "true"})
    assert board.status_code == 200 and board.json()["events"] == []
