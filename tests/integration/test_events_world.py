"""Helpers for the events service's permission tests (no tests here): a world of people and
meetings in Hörde and in Eving, made over the API as an admin, with fresh meetings and
registrations for the calls that use one up, and a snapshot of everything a refused call must
leave as it was.

People arrive on ``aiq.contacts`` as contacts would send them: in Hörde a company contact
(Anna), a second contact (Bert), a teacher and two students of a school; in Eving a company
contact (Emre). Everyone has invitation consent and an address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from test_events_support import all_pages, path_of, publish_contacts_events

from aiq_shared.contracts.contacts import OrganisationCreatedV1, PersonCreatedV1
from aiq_shared.scope import EVERYTHING
from helpers import eventually, upcoming

HOERDE, EVING = "Hörde", "Eving"
ORGANISATIONS = {
    "company_hoerde": ("Metallbau Hörde", HOERDE, "company"),
    "school_hoerde": ("Gesamtschule Hörde", HOERDE, "school"),
    "company_eving": ("Bäckerei Eving", EVING, "company"),
}
PEOPLE = {  # name: (district, organisation, kind)
    "Anna": (HOERDE, "company_hoerde", "contact"),
    "Bert": (HOERDE, "company_hoerde", "contact"),
    "Lehrerin": (HOERDE, "school_hoerde", "teacher"),
    "Schueler": (HOERDE, "school_hoerde", "student"),
    "Schuelerin": (HOERDE, "school_hoerde", "student"),
    "Emre": (EVING, "company_eving", "contact"),
}


def person_id(name: str) -> str:
    return f"{abs(hash(('world', name))) % 10**20:024d}"[:24]


def organisation_id(key: str) -> str:
    return f"{abs(hash(('org', key))) % 10**20:024d}"[:24]


@dataclass
class World:
    system: Any  # events_alone(...): .events (an admin's client), .app, .settings
    here: str = ""  # Hörde, published, two topic tables; Anna registered and checked in
    elsewhere: str = ""  # Eving, published; Emre registered
    ranked: str = ""  # Hörde, tables ranked; Bert registered
    registration: str = ""  # Anna's in ``here``
    code: str = ""  # her check-in code
    tables: list[str] = field(default_factory=list)  # ``here``'s topic tables
    rsvp_path: str = ""  # Anna's personal link to ``here`` (registered)
    decline_path: str = ""  # Bert's decline link to ``here`` (not registered)

    @property
    def client(self):  # type: ignore[no-untyped-def]
        return self.system.events

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.system.app

    async def meeting(self, district: str = HOERDE, *, published: bool = True, **fields) -> str:
        """A fresh meeting (for a call that uses one up)."""
        body = {**upcoming_meeting(), "districts": [district], **fields}
        made = await self.client.post("/events", json=body)
        assert made.status_code == 201, made.text
        meeting_id = made.json()["id"]
        if published:
            answer = await self.client.post(f"/events/{meeting_id}/publish", json={"invite": False})
            assert answer.status_code == 200, answer.text
        return meeting_id

    async def register(self, meeting_id: str, name: str = "Anna", **body) -> dict:
        body = {"person_id": person_id(name), **body}
        made = await self.client.post(f"/events/{meeting_id}/registrations", json=body)
        assert made.status_code == 201, made.text
        return made.json()

    async def fresh_registration(self) -> tuple[str, str]:
        meeting_id = await self.meeting()
        return meeting_id, (await self.register(meeting_id))["id"]

    async def offer(self) -> tuple[str, str]:
        """A meeting whose one seat was given up and is offered to Bert: (meeting, his)."""
        meeting_id = await self.meeting(capacity=1, move_up_offer_hours=24)
        anna = await self.register(meeting_id, "Anna")
        bert = await self.register(meeting_id, "Bert")
        cancelled = await self.client.post(
            f"/events/{meeting_id}/registrations/{anna['id']}/cancel"
        )
        assert cancelled.status_code == 200, cancelled.text
        return meeting_id, bert["id"]

    async def state(self) -> dict[str, Any]:
        """Everything a refused call must leave as it was: every meeting, registration,
        invitation, campaign and outcome, and the audit trail."""
        database = self.app.state.runtime.database
        found: dict[str, Any] = {}
        for name in (
            "meetings",
            "registrations",
            "invitations",
            "invitation_campaigns",
            "outcomes",
            "audit_log",
        ):
            found[name] = await database[name].find({}).sort("_id", 1).to_list()
        return found


async def build(system) -> World:
    """The people (once the read model has them all) and the world's meetings."""
    await publish_contacts_events(
        system,
        *(
            OrganisationCreatedV1(
                organisation_id=organisation_id(key), name=name, district=district, kind=kind
            )
            for key, (name, district, kind) in ORGANISATIONS.items()
        ),
        *(
            PersonCreatedV1(
                person_id=person_id(name),
                first_name=name,
                last_name="Beispiel",
                email=f"{name.lower()}@example.org",
                district=district,
                organisation_id=organisation_id(org),
                kind=kind,
                email_consent=True,
            )
            for name, (district, org, kind) in PEOPLE.items()
        ),
    )
    directory = system.app.state.directory

    async def everyone_known() -> bool:
        known = await directory.people(EVERYTHING)
        return sum(bool(p.districts) for p in known if p.id in map(person_id, PEOPLE)) == 6

    await eventually(everyone_known, timeout=60)
    world = World(system)
    tables = [{"title": "Speed-Woche", "capacity": 10}, {"title": "Schul-AGs", "capacity": 10}]
    world.here = await world.meeting(published=False, topic_tables=tables)
    published = await world.client.post(f"/events/{world.here}/publish")  # invites Hörde
    assert published.status_code == 200, published.text
    world.tables = [t["id"] for t in published.json()["topic_tables"]]
    anna = await world.register(world.here, "Anna", topic_table_ids=world.tables[:1])
    world.registration, world.code = anna["id"], anna["check_in_code"]
    code = {"code": world.code}
    checked_in = await world.client.post(f"/events/{world.here}/check-in", json=code)
    assert checked_in.status_code == 200, checked_in.text
    invitations = await all_pages(world.client, f"/events/{world.here}/invitations")
    links = {i["person_id"]: path_of(i["rsvp_url"]) for i in invitations}
    world.rsvp_path = links[person_id("Anna")]
    world.decline_path = links[person_id("Bert")] + "/absagen"
    world.elsewhere = await world.meeting(EVING)
    await world.register(world.elsewhere, "Emre")
    world.ranked = await world.meeting(table_selection="rank", topic_tables=tables)
    ranked = (await world.client.get(f"/events/{world.ranked}")).json()
    await world.register(
        world.ranked, "Bert", topic_table_ids=[t["id"] for t in ranked["topic_tables"]]
    )
    return world


def upcoming_meeting() -> dict[str, Any]:
    starts, ends = upcoming(40)
    return {
        "title": "Netzwerktreffen",
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "venue": {"name": "Bürgerhaus"},
        "capacity": 20,
    }
