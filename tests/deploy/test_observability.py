"""The observability profile of docker-compose, checked offline: the collector's pipeline is
whole, Prometheus scrapes every service where it listens, and the Grafana dashboard asks only
for metrics the services expose."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

import aiq_shared.metrics  # noqa: F401 - registers the metrics
from aiq_contacts.settings import ContactsSettings
from aiq_events.settings import EventsSettings
from aiq_notifications.settings import NotificationsSettings

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "deploy" / "observability"


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_the_profile_has_collector_tempo_prometheus_and_grafana_with_their_files() -> None:
    services = compose()["services"]
    for name in ("otel-collector", "tempo", "prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"], name
        assert services[name]["healthcheck"]["test"], name
        for volume in services[name].get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name}: {source} missing"
    for service in ("contacts", "events", "notifications"):
        env = services[service]["environment"]
        assert f"AIQ_{service.upper()}_OTLP_ENDPOINT" in env


def test_the_collector_pipeline_is_whole() -> None:
    config = yaml.safe_load((HERE / "otel-collector.yaml").read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    for kind in ("receivers", "processors", "exporters"):
        assert set(pipeline[kind]) <= set(config[kind]), kind
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert config["exporters"]["otlp/tempo"]["endpoint"].startswith("tempo:")


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    config = yaml.safe_load((HERE / "prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]
    }
    for name, settings in (
        ("contacts", ContactsSettings),
        ("events", EventsSettings),
        ("notifications", NotificationsSettings),
    ):
        assert f"{name}:{settings.model_fields['port'].default}" in targets


def test_the_dashboard_asks_for_metrics_the_services_expose() -> None:
    dashboard = json.loads((HERE / "grafana" / "dashboards" / "aiq.json").read_text())
    known = {metric.name for metric in REGISTRY.collect()}
    samples = {s.name for metric in REGISTRY.collect() for s in metric.samples}
    wanted = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            wanted |= set(re.findall(r"\b(aiq_[a-z_]+)", target["expr"]))
    assert wanted, "the dashboard shows nothing"
    for name in wanted:
        base = re.sub(r"_(bucket|count|sum|total)$", "", name)
        assert name in samples or name in known or base in known, f"{name} is no metric of ours"
    assert {
        "aiq_http_request_duration_seconds_bucket",
        "aiq_consumer_lag",
        "aiq_outbox_pending",
        "aiq_deliveries",
        "aiq_campaign_invitations",
        "aiq_events_dead_lettered_total",
    } <= wanted
    datasources = yaml.safe_load(
        (HERE / "grafana" / "provisioning" / "datasources" / "datasources.yaml").read_text()
    )
    assert {d["uid"] for d in datasources["datasources"]} >= {"prometheus", "tempo"}
