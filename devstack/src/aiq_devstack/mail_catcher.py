"""The embedded SMTP catcher: an aiosmtpd server that stores every message as an .eml file.

``python -m aiq_devstack.mail_catcher --port 2525 --dir var/mail``. Files are named
``<UTC timestamp>-<counter>.eml``, written atomically (temp file, then rename), so a reader
never sees half a message. Open them with any mail program.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class EmlDirectoryHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{os.getpid()}-{next(self._counter):06d}.eml"
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        header = (
            f"X-Catcher-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Catcher-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(header + content)
        temporary.rename(self.directory / name)
        return "250 Message accepted for delivery"


def start(port: int, directory: Path) -> Controller:
    controller = Controller(EmlDirectoryHandler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    controller = start(args.port, args.dir)
    print(f"SMTP catcher on 127.0.0.1:{args.port}, messages in {args.dir}", flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
