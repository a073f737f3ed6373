"""The shape of the code, checked by tools (issue 10): the layering contracts (import-linter,
configured in pyproject.toml) hold, no module is over 400 lines and no class over about 15
public methods."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = [
    REPO / "shared" / "src" / "aiq_shared",
    *sorted((REPO / "services").glob("*/src/aiq_*")),
    REPO / "devstack" / "src" / "aiq_devstack",
]
MAX_LINES = 400
MAX_PUBLIC_METHODS = 15


def modules() -> list[Path]:
    return [path for package in PACKAGES for path in package.rglob("*.py")]


def test_the_layering_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_no_module_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(REPO)): n
        for path in modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, too_long


def test_no_class_has_more_than_about_15_public_methods() -> None:
    crowded = {}
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                public = [
                    item.name
                    for item in node.body
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and not item.name.startswith("_")
                ]
                if len(public) > MAX_PUBLIC_METHODS:
                    crowded[f"{path.relative_to(REPO)}:{node.name}"] = len(public)
    assert not crowded, crowded
