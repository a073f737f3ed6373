"""The staff web app in docker-compose and the Keycloak profile's realm, checked offline: the
app's settings are real and point at the services; the realm gives tokens what the services
read (sub = the staff username, role, districts, audience aiq) to the staff app's client."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from aiq_shared.auth import ROLES
from aiq_shared.districts import DORTMUND
from aiq_staff.settings import StaffSettings

REPO = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def resolved(value: object) -> str:
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


def test_the_staff_app_settings_are_real_and_reach_the_services(monkeypatch) -> None:
    service = compose()["services"]["staff"]
    env = {key: resolved(value) for key, value in service["environment"].items()}
    for key in env:
        assert key.startswith("AIQ_STAFF_") and key[10:].lower() in StaffSettings.model_fields
    for key in [k for k in __import__("os").environ if k.startswith("AIQ_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = StaffSettings()
    assert (settings.contacts_url, settings.events_url, settings.notifications_url) == (
        "http://contacts:8001",
        "http://events:8002",
        "http://notifications:8003",
    )
    assert set(service["depends_on"]) == {"contacts", "events", "notifications"}
    assert "8000:8000" in service["ports"]
    assert service["build"]["target"] == "staff"


def test_the_realm_gives_the_services_their_claims() -> None:
    realm = json.loads((REPO / "deploy" / "keycloak" / "aiq-realm.json").read_text())
    [client] = [c for c in realm["clients"] if c["clientId"] == "aiq-staff"]
    assert client["standardFlowEnabled"] and not client["publicClient"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert any(u.endswith("/anmelden/rueckkehr") for u in client["redirectUris"])
    mappers = {m["name"]: m for m in client["protocolMappers"]}
    assert mappers["audience aiq"]["config"]["included.custom.audience"] == "aiq"
    assert mappers["role"]["config"]["claim.name"] == "role"
    assert mappers["role"]["config"]["access.token.claim"] == "true"
    assert mappers["districts"]["config"]["multivalued"] == "true"
    users = {u["username"]: u for u in realm["users"]}
    assert set(users) == {"m.schneider", "t.yilmaz", "k.wagner", "it.betrieb"}
    for name, user in users.items():
        assert user["id"] == name  # sub is the staff username
        [role] = user["attributes"]["aiq_role"]
        assert role in ROLES
        assert set(user["attributes"]["districts"]) <= set(DORTMUND)
    assert users["m.schneider"]["attributes"]["districts"] == ["Hörde"]
    keycloak = compose()["services"]["keycloak"]
    assert keycloak["profiles"] == ["keycloak"] and "--import-realm" in keycloak["command"]
