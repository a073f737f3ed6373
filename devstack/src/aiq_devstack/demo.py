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
    "Handwerk", "Einzelhandel", "Logistik", "Pflege", "IT und Telekommunikation",
    "Gastronomie", "Industrie", "Öffentlicher Dienst", "Banken und Versicherungen",
    "Kfz-Gewerbe", "Hotellerie",
)  # fmt: skip
# Project schools, each with a teacher and two students (the seed meeting had four).
SCHOOLS = (
    ("Gesamtschule Scharnhorst", "Scharnhorst", ("Nina", "Yusuf")),
    ("Hauptschule Hörde", "Hörde", ("Emily", "Deniz")),
)
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


def _caught_up(client: httpx.Client, contacts_url: str, events_url: str) -> None:
    """Wait until contacts has published everything and events has read all of it."""
    deadline = time.monotonic() + 60
    quiet = 0
    while time.monotonic() < deadline:
        contacts = client.get(f"{contacts_url}/ready").json()["checks"]
        events = client.get(f"{events_url}/ready").json()["checks"]
        lags = events.get("consumer_lag") or {}
        done = contacts.get("outbox_pending") == 0 and lags and all(v == 0 for v in lags.values())
        quiet = quiet + 1 if done else 0
        if quiet == 2:
            return
        time.sleep(0.3)
    raise RuntimeError("the events service did not catch up with contacts within 60 s")


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
                        # a third long-standing partners (since the programme began), a third
                        # from last year, a third new
                        **(
                            {"partner_since": ["2020-10-01", f"{date.today().year - 1}-03-01"][c]}
                            if c < 2
                            else {}
                        ),
                        "status": ("active", "active", "new")[c],
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
        schools = _schools(client, contacts_url)
        day = next_thursday(date.today())
        starts = datetime(day.year, day.month, day.day, 16, 0, tzinfo=BERLIN)
        meeting = _post(
            client,
            f"{events_url}/events",
            {
                "title": "Netzwerktreffen Ausbildung im Quartier",
                "format": "network_meeting",
                "registration_deadline": (starts - timedelta(days=7)).isoformat(),
                "organising_officer": "t.yilmaz",
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
            # whom to invite, the events service decides from what it has read of contacts:
            # publish once it has read everyone
            _caught_up(client, contacts_url, events_url)
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
    return {
        "organisations": len(people) + len(schools),
        "people": len(people) + 3 * len(schools),
        "meeting_id": meeting["id"],
    }


def _schools(client: httpx.Client, contacts_url: str) -> list[dict]:
    """The project schools, a teacher each (with consent) and two students (no email: minors
    are kept data-lean)."""
    made = []
    for s, (name, district, students) in enumerate(SCHOOLS):
        school = _post(
            client,
            f"{contacts_url}/organisations",
            {"name": name, "kind": "school", "district": district, "status": "active"},
            f"demo-school-{s}",
        )
        _post(
            client,
            f"{contacts_url}/people",
            {
                "first_name": ("Claudia", "Stefan")[s],
                "last_name": ("Lehmann", "Brandt")[s],
                "kind": "teacher",
                "email": f"lehrkraft.{s}@schule.example",
                "organisation_id": school["id"],
                "role": "Lehrkraft, Studien- und Berufsorientierung",
                "email_consent": True,
            },
            f"demo-teacher-{s}",
        )
        for i, first in enumerate(students):
            _post(
                client,
                f"{contacts_url}/people",
                {
                    "first_name": first,
                    "kind": "student",
                    "organisation_id": school["id"],
                    "class_level": "9",
                },
                f"demo-student-{s}-{i}",
            )
        made.append(school)
    return made
