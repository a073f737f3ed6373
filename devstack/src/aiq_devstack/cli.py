"""``aiq``: run the whole AiQ CRM on one machine with the embedded servers."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from aiq_devstack import demo
from aiq_devstack.config import DEVELOPMENT_AUTH_SECRET
from aiq_devstack.stack import Stack, StackConfig
from aiq_shared.auth import issue_token

app = typer.Typer(
    help="AiQ CRM on one machine: broker, databases, mail catcher, three services, staff app."
)


@app.command()
def up(
    demo_data: Annotated[bool, typer.Option("--demo", help="Load the demo data")] = False,
    data_dir: Annotated[Path, typer.Option(help="Databases, mails and logs")] = Path("var"),
    fresh: Annotated[bool, typer.Option(help="Delete the data folder first")] = False,
) -> None:
    """Start everything, print where it is, stop it all on Ctrl-C."""
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir = data_dir.resolve()
    stack = Stack(StackConfig.from_environment(data_dir))
    stopping = threading.Event()

    def _stop(*_: object) -> None:
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    typer.echo("Starting AiQ CRM (embedded) ...")
    try:
        stack.start()
        if demo_data:
            typer.echo("Loading demo data ...")
            summary = demo.load(stack.url("contacts"), stack.url("events"), stack.token())
            typer.echo(
                f"  {summary['organisations']} organisations, meeting {summary['meeting_id']}"
            )
        typer.echo("")
        typer.echo(
            f"  staff app      {stack.url('staff')}   sign in there (development page: "
            "choose a staff member)"
        )
        for service in ("contacts", "events", "notifications"):
            typer.echo(
                f"  {service:<14} {stack.url(service)}   API docs: {stack.url(service)}/docs"
            )
        typer.echo(f"  kafka          {stack.kafka}")
        for service, url in stack.mongo.items():
            typer.echo(f"  mongodb ({service[:6]}) {url}")
        typer.echo(
            f"  smtp           {stack.smtp[0]}:{stack.smtp[1]}   mails as .eml in {stack.mail_dir}"
        )
        typer.echo(f"  logs           {stack.log_dir}")
        dashboards = stack.url("notifications") + "/dashboard"
        typer.echo("\nDashboards (the link signs you in for 12 hours):")
        typer.echo(f"  city overview  {dashboards}?token={stack.token('coordinator')}")
        officer = stack.token("officer", ["Hörde"], "Betriebsakquise Hörde")
        typer.echo(f"  Hörde          {dashboards}/H%C3%B6rde?token={officer}")
        typer.echo(f"\nAPI token (admin, 12 h): {stack.token()}")
        typer.echo("  more with: ./aiq token --role officer --district Eving")
        typer.echo("\nCtrl-C stops everything.")
        while not stopping.wait(1):
            for child in stack.children:
                if child.process.poll() is not None:
                    typer.echo(
                        f"{child.name} exited ({child.process.returncode}); see {child.log_path}"
                    )
                    stopping.set()
    finally:
        typer.echo("Stopping ...")
        stack.stop()
        typer.echo("Stopped.")


@app.command("demo")
def load_demo(
    contacts_url: str = "http://127.0.0.1:8001", events_url: str = "http://127.0.0.1:8002"
) -> None:
    """Load the demo data into a running system (safe to repeat)."""
    summary = demo.load(contacts_url, events_url, _token("admin", [], None))
    typer.echo(summary)


@app.command()
def token(
    role: Annotated[str, typer.Option(help="admin, coordinator or officer")] = "admin",
    district: Annotated[
        list[str] | None, typer.Option(help="An officer's district (repeatable)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Shown on pages")] = None,
) -> None:
    """Print a bearer token for the development key (AIQ_AUTH_SECRET), valid 12 hours."""
    if role not in ("admin", "coordinator", "officer"):
        raise typer.BadParameter("admin, coordinator or officer", param_hint="--role")
    typer.echo(_token(role, district or [], name))


def _token(role: str, districts: list[str], name: str | None) -> str:
    secret = os.environ.get("AIQ_AUTH_SECRET", DEVELOPMENT_AUTH_SECRET)
    return issue_token(secret, name or role, role, districts, name)  # type: ignore[arg-type]


if __name__ == "__main__":
    app()
