"""pretix on PostgreSQL, on this machine, for ``bench/run.py --pretix``: the orders per second
the issue's goal compares our registrations with, measured in the same run.

pretix (pinned below, from PyPI) goes into its own virtualenv under ``var/pretix/`` once; each
run makes a new PostgreSQL cluster (Debian's ``postgresql`` package: ``initdb``, ``pg_ctl``) in a
temporary folder, migrates it (about a minute), makes one event per block of orders and serves
pretix with gunicorn, as pretix's installation guide does. Orders go through pretix's REST API
(``POST .../orders/``), one free admission each, as our registrations are.

Set to pretix's advantage where a choice is ours: PostgreSQL without fsync and synchronous
commit (our bench runs its databases in memory); three gunicorn workers (five, as in pretix's
guide, did no better here: 20.2 against 21.0 orders/s); orders without pretix's confirmation
email (``send_email: false``), while our registrations' emails are sent on the same cores
during the measurement. One row says what pretix does with its email sent in the request
(no Celery worker, as pretix runs without a broker).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from figures import Row, Timings, ratio

PRETIX = "pretix==2026.8.0"
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "pretix" / "venv"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise SystemExit(
            f"bench --pretix: {name} not found; it needs PostgreSQL "
            "(Debian: apt-get install postgresql)"
        )
    return found


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: then its tools run as the ``postgres`` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _venv() -> Path:
    python = VENV / "bin" / "python"
    wanted = PRETIX.split("==")[1]
    if python.exists():
        have = subprocess.run(
            [str(python), "-c", "import pretix; print(pretix.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if have == wanted:
            return python
    print(f"pretix: installing {PRETIX} into {VENV} (about half a minute)", flush=True)
    shutil.rmtree(VENV, ignore_errors=True)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, PRETIX, "gunicorn"], check=True)
    return python


class Pretix:
    """A pretix server on a new PostgreSQL cluster, for as long as the ``with`` lasts."""

    def __init__(self, events: int) -> None:
        self.events = events
        self.folder = Path(tempfile.mkdtemp(prefix="aiq-bench-pretix-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.organizer = ""
        self.token = ""
        self.event_items: list[tuple[str, int]] = []
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Pretix:
        try:
            python = _venv()
            self._stack.enter_context(self._postgres())
            self._stack.enter_context(self._smtp())
            env = {**os.environ, "PRETIX_CONFIG_FILE": str(self._config())}
            print("pretix: migrating a new database (about a minute)", flush=True)
            run = {"env": env, "cwd": self.folder, "check": True}
            subprocess.run([str(python), "-m", "pretix", "migrate"], capture_output=True, **run)
            made = json.loads(
                subprocess.run(
                    [str(python), str(Path(__file__).parent / "pretix_setup.py"), str(self.events)],
                    capture_output=True,
                    text=True,
                    **run,
                ).stdout.splitlines()[-1]
            )
            self.organizer, self.token = made["organizer"], made["token"]
            self.event_items = [(e["slug"], e["item"]) for e in made["events"]]
            self._stack.enter_context(self._gunicorn(python, env))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextlib.contextmanager
    def _postgres(self) -> Iterator[None]:
        data = self.folder / "pg"
        data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(data, "postgres")
        self.pg_port = _free_port()
        subprocess.run(
            _as_postgres([_postgres_tool("initdb"), "-D", str(data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8"]),
            capture_output=True, check=True,
        )  # fmt: skip
        options = (
            f"-p {self.pg_port} -k {data} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        pg_ctl = _postgres_tool("pg_ctl")
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", str(data / "log"),
                          "-w", "start"]),
            capture_output=True, check=True,
        )  # fmt: skip
        try:
            subprocess.run(
                [_postgres_tool("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port),
                 "-U", "postgres", "pretix"],
                check=True,
            )  # fmt: skip
            yield
        finally:
            subprocess.run(
                _as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "stop"]),
                capture_output=True, check=False,
            )  # fmt: skip

    @contextlib.contextmanager
    def _smtp(self) -> Iterator[None]:
        self.smtp_port = _free_port()
        catcher = Controller(Sink(), hostname="127.0.0.1", port=self.smtp_port)
        catcher.start()
        try:
            yield
        finally:
            catcher.stop()

    def _config(self) -> Path:
        config = self.folder / "pretix.cfg"
        config.write_text(
            f"[pretix]\ninstance_name=bench\nurl={self.url}\ncurrency=EUR\n"
            f"datadir={self.folder / 'data'}\necb_rates=off\n\n"
            "[django]\nsecret=bench-only\ndebug=off\n\n"
            f"[database]\nbackend=postgresql\nname=pretix\nuser=postgres\nhost=127.0.0.1\n"
            f"port={self.pg_port}\n\n"
            f"[mail]\nfrom=bench@localhost\nhost=127.0.0.1\nport={self.smtp_port}\n",
            encoding="utf-8",
        )
        return config

    @contextlib.contextmanager
    def _gunicorn(self, python: Path, env: dict[str, str]) -> Iterator[None]:
        server = subprocess.Popen(
            [str(python.parent / "gunicorn"), "pretix.wsgi", "--workers", "3",
             "--bind", f"127.0.0.1:{self.port}"],
            env=env, cwd=self.folder,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while True:
                with contextlib.suppress(httpx.HTTPError):  # (its /healthcheck/ wants a
                    # cache server, which a pretix without Redis has not: 503)
                    if httpx.get(f"{self.url}/api/v1/", timeout=5).status_code == 401:
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("pretix's gunicorn did not answer")
                time.sleep(0.5)
            yield
        finally:
            server.terminate()
            server.wait(30)

    async def warm_up(self) -> None:
        """Orders on the first event until every worker has answered some (a worker's first
        answer takes seconds: it imports and connects then)."""
        await self.orders(0, 30, 3)

    async def orders(
        self, event: int, count: int, concurrency: int, *, send_email: bool = False
    ) -> Timings:
        """``count`` orders on the ``event``-th event, ``concurrency`` requests in flight."""
        slug, item = self.event_items[event]
        url = f"{self.url}/api/v1/organizers/{self.organizer}/events/{slug}/orders/"
        timings, left = Timings(), list(range(count))
        headers = {"Authorization": f"Token {self.token}"}
        async with httpx.AsyncClient(headers=headers, timeout=120) as http:

            async def worker() -> None:
                while left:
                    n = left.pop()
                    order = {
                        "email": f"person-{event}-{n}@example.org",
                        "locale": "de",
                        "sales_channel": "web",
                        "send_email": send_email,
                        "positions": [
                            {"item": item, "attendee_name_parts": {"full_name": f"Person {n}"}}
                        ],
                    }
                    with timings.measure():
                        response = await http.post(url, json=order)
                    response.raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            timings.elapsed = time.perf_counter() - started
        return timings


async def against_pretix(
    pretix: Pretix, sizes: dict[str, int], ours: dict[str, float]
) -> list[Row]:
    """pretix's orders/s at the same concurrencies and data sizes as our registrations above:
    event 0 warms up, 1 and 2 take concurrency 1 and 10, then one event per block of 250 as
    our meetings, and the last one orders with pretix's email (``bench/pretix_server.py``)."""
    await pretix.warm_up()
    c1 = await pretix.orders(1, sizes["c1"], 1)
    c10 = await pretix.orders(2, sizes["c10"], 10)
    blocks = sizes["stored"] // 250
    rates = [(await pretix.orders(3 + b, 250, 10)).rate for b in range(blocks)]
    stored = sizes["c1"] + sizes["c10"] + 250 * blocks
    mailed = await pretix.orders(3 + blocks, sizes["c10"] // 2, 10, send_email=True)
    rows = []
    for label, key, pretix_rate in (
        ("c=1", "c=1", c1.rate),
        ("c=10", "c=10", c10.rate),
        (
            f"c=10, last block of 250 ({ours['stored']:.0f} / {stored} stored)",
            "last block",
            rates[-1],
        ),  # fmt: skip
    ):
        rows.append(
            Row(
                f"registrations vs orders/s, {label}",
                f"{ours[key]:.1f}",
                f"{pretix_rate:.1f}",
                ratio(ours[key], pretix_rate),
                ">= 1.2x",
            )
        )
    rows.append(
        Row(
            "  p50 / p99 ms, c=10",
            f"{ours['c=10 p50']:.1f} / {ours['c=10 p99']:.1f}",
            f"{c10.ms(50)} / {c10.ms(99)}",
        )
    )
    rows.append(
        Row("  pretix's orders/s with its email sent in the request", "", f"{mailed.rate:.1f}")
    )
    return rows
