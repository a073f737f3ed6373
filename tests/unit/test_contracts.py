"""Every event contract's JSON schema is pinned: an incompatible change fails here, loudly.

A deliberate change is a new version (a new class, ``...v2``); to record a compatible change,
run ``python tests/unit/test_contracts.py`` and review the diff of tests/unit/contracts/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiq_shared.contracts import REGISTRY

PINNED = Path(__file__).parent / "contracts"


def schema_of(event_type: str) -> dict:
    return REGISTRY[event_type].model_json_schema(mode="serialization")


@pytest.mark.parametrize("event_type", sorted(REGISTRY))
def test_contract_schema_is_pinned(event_type: str) -> None:
    pinned = PINNED / f"{event_type}.json"
    assert pinned.exists(), f"new contract {event_type}: pin it (see module docstring)"
    assert schema_of(event_type) == json.loads(pinned.read_text())


def test_every_type_is_past_tense_and_versioned_on_its_topic() -> None:
    for event_type, model in REGISTRY.items():
        assert event_type.startswith("aiq.") and event_type.rsplit(".", 1)[1].startswith("v")
        assert model.topic.startswith("aiq.")
    assert set(p.stem for p in PINNED.glob("*.json")) == set(REGISTRY)  # no stale pins


if __name__ == "__main__":
    PINNED.mkdir(exist_ok=True)
    for name in REGISTRY:
        text = json.dumps(schema_of(name), indent=2, ensure_ascii=False, sort_keys=True)
        (PINNED / f"{name}.json").write_text(text + "\n")
    print(f"pinned {len(REGISTRY)} contracts in {PINNED}")
