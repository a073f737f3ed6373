"""Run by pretix's own Python (``bench/pretix_server.py``): the organizer, the events and the API
token the bench orders with. Prints them as JSON.

    PRETIX_CONFIG_FILE=... <pretix venv>/bin/python bench/pretix_setup.py <events>

Each event is a meeting as the AiQ CRM has them: one free admission product, a quota without
limit (our meetings in the bench have a capacity of 100,000), German.
"""

import json
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretix.settings")

import django  # noqa: E402

django.setup()

from django.utils.timezone import now  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import Event, Item, Organizer, Quota, Team  # noqa: E402


def main() -> None:
    events = int(sys.argv[1])
    with scopes_disabled():
        organizer = Organizer.objects.create(name="AiQ Bench", slug="aiq")
        made = []
        for n in range(events):
            event = Event.objects.create(
                organizer=organizer,
                name=f"Netzwerktreffen {n}",
                slug=f"treffen-{n}",
                date_from=now() + timedelta(days=30),
                currency="EUR",
                live=True,
            )
            event.settings.set("locales", ["de"])
            event.settings.set("locale", "de")
            item = Item.objects.create(
                event=event, name="Teilnahme", default_price=0, admission=True
            )
            quota = Quota.objects.create(event=event, name="Plätze", size=None)
            quota.items.add(item)
            made.append({"slug": event.slug, "item": item.pk})
        team = Team.objects.create(
            organizer=organizer,
            name="Bench",
            all_events=True,
            all_event_permissions=True,
            all_organizer_permissions=True,
        )
        token = team.tokens.create(name="bench")
    print(json.dumps({"organizer": organizer.slug, "token": token.token, "events": made}))


if __name__ == "__main__":
    main()
