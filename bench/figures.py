"""Timings and the table the bench prints."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiq_devstack.stack import Stack


@dataclass
class Timings:
    samples: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.samples.append(time.perf_counter() - started)

    def percentile(self, p: float) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(int(len(ordered) * p / 100), len(ordered) - 1)]

    @property
    def rate(self) -> float:
        return len(self.samples) / self.elapsed if self.elapsed else float("nan")

    def ms(self, p: float) -> str:
        return f"{self.percentile(p) * 1000:.1f}"


@dataclass
class LoadFigures:
    """What a load generator in another process reported: the rate and some percentiles."""

    rate: float
    percentiles: dict[int, float]  # percentile -> seconds

    def ms(self, p: int) -> str:
        seconds = self.percentiles.get(p)
        return "" if seconds is None else f"{seconds * 1000:.1f}"


@dataclass
class Row:
    what: str
    ours: str
    bare: str = ""
    ratio: str = ""
    goal: str = ""


def ratio(ours: float, bare: float) -> str:
    return f"{ours / bare:.2f}x" if bare else ""


def print_table(rows: list[Row], against: str = "bare server") -> None:
    headers = ("measurement", "AiQ CRM", against, "ratio", "goal")
    cells = [headers, *((r.what, r.ours, r.bare, r.ratio, r.goal) for r in rows)]
    widths = [max(len(str(c[i])) for c in cells) for i in range(len(headers))]
    for i, row in enumerate(cells):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def cpu_s(pid: int) -> float:
    """User and system CPU seconds the process has used (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(stack: Stack) -> dict[str, float]:
    """CPU seconds each of the stack's running processes has used."""
    return {c.name: cpu_s(c.process.pid) for c in stack.children if c.process.poll() is None}
