"""Demo data modelled on the seed meeting: 12 districts, three dozen companies, a
Netzwerktreffen at Café Durchblick with 8 topic tables (the spring meeting's topics).

Loaded through the public APIs with Idempotency-Keys, so loading twice changes nothing.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from aiq_shared.districts import DORTMUND

INDUSTRIES = (
    "Handwerk", "Einzelhandel", "Logistik", "Gesundheit und Pflege", "IT und Software",
    "Gastronomie", "Industrie und Produktion", "Öffentlicher Dienst", "Banken und Versicherungen",
)  # fmt: skip
COMPANY_WORDS = (
    "Bäckerei Sonnenschein", "Elektro Westfalen", "Logistik am Hafen", "Pflegedienst Phoenix",
    "Softwarehaus Zeche", "Gasthaus zur Linde", "Metallbau Emscher", "Stadtwerke Service",
    "Sparkassen-Filiale", "Malerbetrieb Farbwerk", "Autohaus Borsig", "Apotheke am Markt",
)  # fmt: skip
FIRST_NAMES = (
    "Anna",
    "Mehmet",
    "Julia",
    "Lukas",
    "Aylin",
    "Jonas",
    "Fatma",
    "Tim",
    "Sabine",
    "Olga",
    "Kevin",
    "Leonie",
)
LAST_NAMES = (
    "Schmidt",
    "Yilmaz",
    "Becker",
    "Nowak",
    "Kaya",
    "Wagner",
    "Hoffmann",
    "Demir",
    "Krüger",
    "Schulz",
    "Öztürk",
    "Meyer",
)
TOPIC_TABLES = (
    "Schul-AGs in Unternehmen",
    "Speed-Woche",
    "Azubis als Botschafter*innen",
    "Gute Praktikumsvorbereitung",
    "Gute Ausbildungsvorbereitung",
    "Angebote von Unternehmen für junge Menschen",
    "Assistierte Ausbildung (AsA)",
    "Ausbildung in Teilzeit",
)
BERLIN = ZoneInfo("Europe/Berlin")


def next_thursday(today: date) -> date:
    days = (3 - today.weekday()) % 7 or 7
    return today + timedelta(days=days + 21)


def _post(client: httpx.Client, url: str, body: dict, key: str) -> dict:
    for _ in range(50):
        response = client.post(url, json=body, headers={"Idempotency-Key": key})
        if response.status_code in (200, 201):
            return response.json()
        if response.status_code == 422 and "unknown person" in response.text:
            time.sleep(0.2)  # the events service has not read the person from Kafka yet
            continue
        raise RuntimeError(f"POST {url} -> {response.status_code}: {response.text}")
    raise RuntimeError(f"POST {url} kept failing: {response.text}")


def load(contacts_url: str, events_url: str, token: str, companies_per_district: int = 3) -> dict:
    """Create the demo organisations, people and a published Netzwerktreffen."""
    people: list[dict] = []
    with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        n = 0
        for d, district in enumerate(DORTMUND):
            for c in range(companies_per_district):
                name = f"{COMPANY_WORDS[(d + c * 5) % len(COMPANY_WORDS)]} {district}"
                organisation = _post(
                    client,
                    f"{contacts_url}/organisations",
                    {
                        "name": name,
                        "industry": INDUSTRIES[n % len(INDUSTRIES)],
                        "district": district,
                    },
                    f"demo-organisation-{d}-{c}",
                )
                first, last = FIRST_NAMES[n % 12], LAST_NAMES[(n * 7) % 12]
                person = _post(
                    client,
                    f"{contacts_url}/people",
                    {
                        "first_name": first,
                        "last_name": last,
                        "email": f"{first}.{last}.{n}@betrieb.example".lower()
                        .replace("ü", "ue")
                        .replace("ö", "oe")
                        .replace("ä", "ae"),
                        "organisation_id": organisation["id"],
                        "email_consent": n % 6 != 5,  # a few without consent: no invitation
                    },
                    f"demo-person-{d}-{c}",
                )
                people.append(person)
                n += 1
        day = next_thursday(date.today())
        starts = datetime(day.year, day.month, day.day, 16, 0, tzinfo=BERLIN)
        meeting = _post(
            client,
            f"{events_url}/events",
            {
                "title": "Netzwerktreffen Ausbildung im Quartier",
                "format": "network_meeting",
                "registration_deadline": (starts - timedelta(days=7)).isoformat(),
                "organising_officer": "Betriebsakquise Innenstadt-Nord",
                "agenda": [
                    {"kind": "welcome", "title": "Begrüßung", "starts_at": starts.isoformat()},
                    {
                        "kind": "keynote",
                        "title": "Assistierte Ausbildung (AsA) – Agentur für Arbeit",
                        "starts_at": (starts + timedelta(minutes=15)).isoformat(),
                    },
                    {
                        "kind": "input",
                        "title": "Projektinput Ausbildung im Quartier",
                        "starts_at": (starts + timedelta(minutes=45)).isoformat(),
                    },
                    {
                        "kind": "topic_tables",
                        "title": "Thementische im Barcamp-Format",
                        "starts_at": (starts + timedelta(hours=1)).isoformat(),
                    },
                    {
                        "kind": "informal",
                        "title": "Ausklang am Buffet",
                        "starts_at": (starts + timedelta(hours=2, minutes=15)).isoformat(),
                    },
                ],
                "description": "Begrüßung, Impuls der Agentur für Arbeit zur Assistierten "
                "Ausbildung (AsA), Projektinput, Thementische im Barcamp-Format, "
                "anschließend Buffet.",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "venue": {"name": "Café Durchblick", "address": "Dortmund"},
                "capacity": 60,
                "districts": list(DORTMUND[:9]),
                "topic_tables": [{"title": t, "capacity": 10} for t in TOPIC_TABLES],
            },
            "demo-meeting-1",
        )
        if meeting["status"] == "draft":
            client.post(f"{events_url}/events/{meeting['id']}/publish").raise_for_status()
        tables = [t["id"] for t in meeting["topic_tables"]]
        for i, person in enumerate(people[:12]):
            _post(
                client,
                f"{events_url}/events/{meeting['id']}/registrations",
                {
                    "person_id": person["id"],
                    "topic_table_ids": [tables[i % 8], tables[(i + 3) % 8]],
                },
                f"demo-registration-{i}",
            )
    return {"organisations": len(people), "people": len(people), "meeting_id": meeting["id"]}
