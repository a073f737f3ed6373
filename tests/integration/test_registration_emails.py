"""The emails registrants expect, on real servers (issue 9): who signs them, what they say
about the programme and the topic tables, cancellations, school groups, and walk-ins that
hold nobody up. The test plays the contacts and events services (their events on Kafka)."""

from __future__ import annotations

import pytest
from notifications_alone import notifications_alone, organisation, person, registration

from aiq_shared.contracts.registrations import RegistrationConfirmedV1
from helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def notifications(settings_for, smtp_server):
    async with notifications_alone(settings_for, smtp_server) as alone:
        yield alone


async def test_the_organisations_officer_signs_and_gets_the_replies(notifications) -> None:
    # Hörde's first officer is Maria Schneider; this company's responsible officer is Tarik
    looked_after = organisation("o-tarik", officer="t.yilmaz")
    anna = person("p-anna", "Anna", organisation_id="o-tarik")
    ben = person("p-ben", "Ben", organisation_id="o-nobody")
    await notifications.publish(looked_after, organisation("o-nobody"), anna, ben)
    await eventually(lambda: notifications.stored("organisations", "o-tarik"))
    await notifications.knows(anna.person_id)
    await notifications.knows(ben.person_id)
    await notifications.publish(
        registration(RegistrationConfirmedV1, "r-anna", anna),
        registration(RegistrationConfirmedV1, "r-ben", ben),
    )

    [to_anna] = await eventually(lambda: notifications.mail_to(str(anna.email)))
    [to_ben] = await eventually(lambda: notifications.mail_to(str(ben.email)))
    assert to_anna["Reply-To"] == "t.yilmaz@aiq-dortmund.example"
    assert to_anna["From"].addresses[0].display_name == "Tarik Yılmaz · Ausbildung im Quartier"
    assert to_anna["From"].addresses[0].addr_spec == notifications.settings.mail_from
    assert "Tarik Yılmaz" in to_anna.get_body(("plain",)).get_content()
    assert to_ben["Reply-To"] == "m.schneider@aiq-dortmund.example"  # the district's officer
    assert "Maria Schneider" in to_ben.get_body(("html",)).get_content()
