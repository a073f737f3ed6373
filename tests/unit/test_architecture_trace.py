"""docs/architecture.md follows one registration through the code, a file per line (issue 10):
every file it names exists, and every function, class or method it names is defined in the
files of its line, so the trace cannot drift from the code unnoticed."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def trace() -> list[str]:
    """The numbered lines of the trace section, each with its continuation lines."""
    text = DOC.read_text()
    section = text[text.index("## One registration") :]
    section = section[: section.index("\n\n", section.index("\n1. "))]
    return re.split(r"\n(?=\d+\. )", section.split("\n", 1)[1])


def test_the_trace_has_at_most_13_files_in_order() -> None:
    steps = trace()
    assert 5 <= len(steps) <= 13
    assert [int(step.split(".", 1)[0]) for step in steps] == list(range(1, len(steps) + 1))


def test_every_file_and_name_in_the_trace_is_in_the_code() -> None:
    missing = []
    for step in trace():
        quoted = re.findall(r"`([^`]+)`", step)
        paths = [q for q in quoted if q.endswith(".py") and "/" in q]
        assert paths, f"no file on the line {step[:60]!r}"
        package = REPO / paths[0].rsplit("/", 2)[0]  # short paths are the package's
        files = [REPO / q if q.startswith(("services/", "shared/")) else package / q for q in paths]
        missing += [str(f.relative_to(REPO)) for f in files if not f.exists()]
        code = "\n".join(f.read_text() for f in files if f.exists())
        names = (q for q in quoted if NAME.match(q) and not q.startswith("aiq."))
        for name in (n for n in names if not n.endswith(".py")):
            defined = name.split(".")[-1]
            if not re.search(rf"^\s*(async def|def|class) {re.escape(defined)}\b", code, re.M):
                missing.append(f"{name} (line {step.split('.', 1)[0]})")
    assert missing == []
