"""Every API, fuzzed from its own OpenAPI document (schemathesis): no 5xx, and every answer is
one the document promises (status code, content type, schema, Allow on 405)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import logs_of

# schemathesis gets 240 s per service (its subprocess timeout below), the stack included
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
        "unsupported_method",
    )
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    config = StackConfig.isolated(tmp_path_factory.mktemp("fuzz"), "fuzz", memory=True)
    with Stack(config) as running:
        yield running


@pytest.mark.parametrize("service", ["contacts", "events", "notifications"])
def test_no_server_errors_and_only_documented_answers(stack: Stack, service: str) -> None:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis), "run", f"{stack.url(service)}/openapi.json",
            "--checks", CHECKS, "--max-examples", "25", "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--seed", "20261124",
            "--header", f"Authorization: Bearer {stack.token()}",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + logs_of(stack)
    assert " passed" in result.stdout
