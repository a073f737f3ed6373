"""How a stack is laid out: its data directory, ports, consumer groups and auth key; the
usual ports of ``aiq up`` or free ones for a stack beside others (the tests)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiq_devstack.ports import free_port
from aiq_shared.settings import ServiceSettings

SERVICES = {"contacts": 8001, "events": 8002, "notifications": 8003}
STAFF_APP = "staff"  # the staff web app: a process like the services, but no database
STAFF_PORT = 8000
DEVELOPMENT_AUTH_SECRET = ServiceSettings.model_fields["auth_secret"].default


@dataclass
class StackConfig:
    data_dir: Path
    memory: bool = False  # databases in memory (tests); default keeps them on disk
    service_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    staff_port: int = STAFF_PORT
    staff_app: bool = True  # start the staff web app after the services
    # these services' databases stay on disk even with ``memory`` (one that a test kills
    # and starts again keeps what it had acknowledged)
    on_disk: frozenset[str] = frozenset()
    group_prefix: str = "aiq"
    fast_consumer_groups: bool = True  # short session timeouts: groups join in ~1 s
    extra_env: dict[str, str] = field(default_factory=dict)
    # The broker, databases and catcher on their usual ports when free (``aiq up``); an
    # isolated stack (tests) takes free ports, so another stack can't take its broker's port
    # while it is stopped (a broker outage test) and be mistaken for it.
    usual_infrastructure_ports: bool = True
    # The shared key every service checks bearer tokens with (aiq_shared.auth).
    auth_secret: str = field(
        default_factory=lambda: os.environ.get("AIQ_AUTH_SECRET", DEVELOPMENT_AUTH_SECRET)
    )

    @classmethod
    def isolated(cls, data_dir: Path, name: str, **kwargs: object) -> StackConfig:
        """A stack beside any other on this machine: free ports, its own consumer groups."""
        return cls(
            data_dir=data_dir,
            service_ports={service: free_port() for service in SERVICES},
            staff_port=free_port(),
            group_prefix=f"{name}{time.time_ns()}",
            usual_infrastructure_ports=False,
            **kwargs,  # type: ignore[arg-type]
        )

    @classmethod
    def from_environment(cls, data_dir: Path, **kwargs: object) -> StackConfig:
        ports = {
            name: int(os.environ.get(f"AIQ_{name.upper()}_PORT", default))
            for name, default in SERVICES.items()
        }
        staff_port = int(os.environ.get("AIQ_STAFF_PORT", STAFF_PORT))
        return cls(data_dir=data_dir, service_ports=ports, staff_port=staff_port, **kwargs)  # type: ignore[arg-type]
