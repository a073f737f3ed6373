"""`aiq up`: prints where everything is, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from aiq_devstack.ports import free_port

pytestmark = pytest.mark.e2e


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_up_loads_the_demo_prints_the_urls_and_ctrl_c_stops_everything(tmp_path) -> None:
    ports = {name: free_port() for name in ("STAFF", "CONTACTS", "EVENTS", "NOTIFICATIONS")}
    env = {**os.environ, **{f"AIQ_{name}_PORT": str(port) for name, port in ports.items()}}
    data_dir = tmp_path / "data"
    launcher = subprocess.Popen(
        [sys.executable, "-m", "aiq_devstack.cli", "up", "--demo", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output = []
    deadline = time.monotonic() + 90
    assert launcher.stdout is not None
    for line in launcher.stdout:
        output.append(line)
        if "Ctrl-C stops everything" in line or time.monotonic() > deadline:
            break
    text = "".join(output)
    try:
        for port in ports.values():
            assert f"http://127.0.0.1:{port}" in text
            assert listening(port)
        urls = [line for line in output if "http://127.0.0.1:" in line]
        assert f"http://127.0.0.1:{ports['STAFF']}" in urls[0], text  # the staff app first
        sign_in = httpx.get(f"http://127.0.0.1:{ports['STAFF']}/anmelden", timeout=10)
        assert sign_in.status_code == 200 and "Maria Schneider" in sign_in.text
        assert str(data_dir / "mail") in text
        assert "38 organisations, meeting" in text  # the demo data went in through the APIs
        assert processes_mentioning(str(data_dir))  # the databases and the catcher
    finally:
        launcher.send_signal(signal.SIGINT)
        rest, _ = launcher.communicate(timeout=60)
    assert launcher.returncode == 0, text + rest
    assert "Stopped." in rest
    assert not any(listening(port) for port in ports.values())
    assert processes_mentioning(str(data_dir)) == []
