"""Static checks of the kustomize base in deploy/k8s.

The base is rendered with ``kubectl kustomize`` (or ``kustomize build``) when one is
installed; otherwise the files listed in kustomization.yaml are parsed with PyYAML.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "deploy" / "k8s"

SETTINGS = {
    "contacts": "aiq_contacts.settings:ContactsSettings",
    "events": "aiq_events.settings:EventsSettings",
    "notifications": "aiq_notifications.settings:NotificationsSettings",
    "staff": "aiq_staff.settings:StaffSettings",
}
BACKENDS = ("contacts", "events", "notifications")
REQUIRED = {
    "contacts": {"mongo_url", "kafka_bootstrap_servers"},
    "events": {"mongo_url", "kafka_bootstrap_servers"},
    "notifications": {"mongo_url", "kafka_bootstrap_servers", "smtp_host"},
    "staff": {"contacts_url", "events_url", "notifications_url", "oidc_issuer"},
}


def settings_class(service: str):
    module, name = SETTINGS[service].split(":")
    return getattr(importlib.import_module(module), name)


def kustomize_command() -> list[str] | None:
    if kubectl := shutil.which("kubectl"):
        probe = subprocess.run([kubectl, "kustomize", "--help"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return [kubectl, "kustomize"]
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build"]
    return None


def parse_base() -> list[dict]:
    """Fallback without kustomize: the listed resources, with the images: tags applied."""
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs = [
        doc
        for resource in kustomization["resources"]
        for doc in yaml.safe_load_all((BASE / resource).read_text())
        if doc
    ]
    tags = {image["name"]: image.get("newTag") for image in kustomization.get("images", [])}
    for doc in docs:
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                if tags.get(container["image"]):
                    container["image"] += f":{tags[container['image']]}"
    return docs


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    command = kustomize_command()
    if command is None:
        return parse_base()
    result = subprocess.run([*command, str(BASE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def deployments(docs: list[dict]) -> dict[str, dict]:
    """service name (app.kubernetes.io/name) -> Deployment"""
    return {
        doc["metadata"]["labels"]["app.kubernetes.io/name"]: doc
        for doc in of_kind(docs, "Deployment").values()
    }


def test_renders_all_services(rendered):
    assert set(deployments(rendered)) == set(SETTINGS)
    services = of_kind(rendered, "Service")
    for name, deployment in deployments(rendered).items():
        service = services[deployment["metadata"]["name"]]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert service["spec"]["selector"] == selector
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()
        port = settings_class(name).model_fields["port"].default
        assert service["spec"]["ports"][0]["port"] == port
    assert "aiq-common" in of_kind(rendered, "ConfigMap")
    # Real credentials never come from the base.
    assert not of_kind(rendered, "Secret")


def test_probes(rendered):
    for name, deployment in deployments(rendered).items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["http"] == settings_class(name).model_fields["port"].default
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["port"] in (ports["http"], "http")


def test_security_and_resources(rendered):
    for name, deployment in deployments(rendered).items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001  # the images' USER
        # Service links would inject AIQ_<SVC>_PORT=tcp://... and break the port setting.
        assert pod["enableServiceLinks"] is False, name
        (container,) = pod["containers"]
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]


def test_images_are_the_compose_images(rendered):
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    for name, deployment in deployments(rendered).items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == compose["services"][name]["image"], name


def test_env_names_are_settings_fields(rendered):
    configmap = of_kind(rendered, "ConfigMap")["aiq-common"]["data"]
    secret = yaml.safe_load((BASE / "secret.example.yaml").read_text())
    secret_keys = set(secret["stringData"])
    for name, deployment in deployments(rendered).items():
        cls = settings_class(name)
        prefix = cls.model_config["env_prefix"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert not container.get("envFrom"), "explicit env only, so names can be checked"
        env = container["env"]
        names = [item["name"] for item in env]
        assert len(names) == len(set(names)), f"{name}: duplicate env"
        for key in names:
            assert key.startswith(prefix), f"{name}: {key} lacks {prefix}"
            assert key.removeprefix(prefix).lower() in cls.model_fields, f"{name}: {key}"
        fields = {key.removeprefix(prefix).lower() for key in names}
        assert REQUIRED[name] <= fields, f"{name}: missing {REQUIRED[name] - fields}"
        values = {item["name"]: item.get("value") for item in env}
        assert values[f"{prefix}HOST"] == "0.0.0.0"
        assert values[f"{prefix}PORT"] == str(cls.model_fields["port"].default)
        # Every reference resolves to a key of the ConfigMap or the example Secret.
        for item in env:
            ref = item.get("valueFrom", {})
            if "configMapKeyRef" in ref:
                assert ref["configMapKeyRef"]["name"] == "aiq-common"
                assert ref["configMapKeyRef"]["key"] in configmap, item
            elif "secretKeyRef" in ref:
                assert ref["secretKeyRef"]["name"] == secret["metadata"]["name"]
                assert ref["secretKeyRef"]["key"] in secret_keys, item
            else:
                assert "value" in item, item


def test_configmap_values_parse(rendered, monkeypatch):
    """The ConfigMap/Secret values, mapped as the Deployments map them, build the settings."""
    configmap = of_kind(rendered, "ConfigMap")["aiq-common"]["data"]
    secret = yaml.safe_load((BASE / "secret.example.yaml").read_text())["stringData"]
    for key in [key for key in os.environ if key.startswith("AIQ_")]:
        monkeypatch.delenv(key)
    for name, deployment in deployments(rendered).items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        with monkeypatch.context() as patch:
            for item in container["env"]:
                ref = item.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    value = configmap[ref["configMapKeyRef"]["key"]]
                elif "secretKeyRef" in ref:
                    value = secret[ref["secretKeyRef"]["key"]]
                else:
                    value = item["value"]
                patch.setenv(item["name"], value)
            settings = settings_class(name)()
            assert settings.host == "0.0.0.0"
            if name in BACKENDS:
                assert settings.kafka_topic_partitions >= 1
            else:  # the staff app signs in at the city's provider in production
                assert settings.oidc_issuer and not settings.development_sign_in


def test_fallback_parse_matches_render(rendered):
    """The PyYAML fallback (used where no kustomize exists) sees the same containers."""
    parsed = deployments(parse_base())
    for name, deployment in deployments(rendered).items():
        spec = deployment["spec"]["template"]["spec"]
        assert parsed[name]["spec"]["template"]["spec"]["containers"] == spec["containers"]


def test_scaling_is_bounded_by_the_partitions_and_disruptions_keep_a_replica(rendered):
    partitions = int(of_kind(rendered, "ConfigMap")["aiq-common"]["data"]["KAFKA_TOPIC_PARTITIONS"])
    autoscalers = of_kind(rendered, "HorizontalPodAutoscaler")
    budgets = of_kind(rendered, "PodDisruptionBudget")
    for name, deployment in deployments(rendered).items():
        if name not in BACKENDS:
            continue  # the staff app keeps sessions in its process: one replica (README)
        target = deployment["metadata"]["name"]
        hpa = autoscalers[target]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": target,
        }
        # a consumer group can't use more consumers than a topic has partitions
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions, name
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        pdb = budgets[target]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert pdb["spec"]["minAvailable"] == 1 < hpa["spec"]["minReplicas"]
        pod = deployment["spec"]["template"]["spec"]
        keys = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
        assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
        (container,) = pod["containers"]
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["limits"]["cpu"]  # HPA needs requests
