"""What the staff app's browser tests share: the stack with seed data, a browser, signing in,
timing page loads, reading the real emails. (Not a test module.)"""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from aiq_devstack.stack import Stack
from helpers import mails, wait_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("AIQ_SCREENSHOT_DIR", "test-artifacts"))
ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def seed(stack: Stack) -> dict:
    """Companies and people in Hörde and Eving, and an Eving meeting, through the APIs."""
    http = stack.http(timeout=15)
    contacts, events = stack.url("contacts"), stack.url("events")
    world: dict = {"organisations": {}, "people": {}}
    companies = [
        ("Metallbau Emscher", "Hörde", "Metallbau", "2019-04-01", "active", "Erika", "Muster"),
        ("Bäckerei Phoenixsee", "Hörde", "Lebensmittelhandwerk", None, "new", "Ben", "Hörder"),
        ("Pflegedienst Eving", "Eving", "Pflege", "2021-09-01", "active", "Cem", "Evinger"),
    ]
    for name, district, industry, since, status, first, last in companies:
        body = {"name": name, "district": district, "industry": industry, "status": status}
        if since:
            body["partner_since"] = since
        organisation = http.post(f"{contacts}/organisations", json=body)
        assert organisation.status_code == 201, organisation.text
        world["organisations"][name] = organisation.json()["id"]
        # long addresses, as real ones are: the pages must wrap them at 390 px
        local = f"{first}.{last}.ausbildung".lower().replace("ö", "oe")
        email = f"{local}@{name.split()[0].lower()}.example"
        person = http.post(
            f"{contacts}/people",
            json={
                "first_name": first,
                "last_name": last,
                "email": email,
                "email_consent": True,
                "organisation_id": organisation.json()["id"],
                "role": "Ausbildung",
            },
        )
        assert person.status_code == 201, person.text
        world["people"][f"{first} {last}"] = {**person.json(), "email": email}
    start = date.today() + timedelta(days=21)
    eving = http.post(
        f"{events}/events",
        json={
            "title": "Netzwerktreffen Eving",
            "starts_at": f"{start}T16:00:00",
            "ends_at": f"{start}T19:00:00",
            "venue": {"name": "Zeche Eving"},
            "capacity": 30,
            "districts": ["Eving"],
            "topic_tables": [{"title": "Pflege erleben", "capacity": 10}],
        },
    )
    assert eving.status_code == 201, eving.text
    world["eving_meeting"] = eving.json()["id"]

    def known() -> bool:  # events invites whom it knows: wait until it knows all three
        preview = http.post(
            f"{events}/events/{world['eving_meeting']}/invitations/preview",
            json={"target": {"districts": ["Hörde", "Eving"]}},
        )
        return preview.json().get("eligible") == 3

    wait_for(known, timeout=60)
    return world


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


async def sign_in(page, base: str, username: str) -> None:
    await page.goto(f"{base}/anmelden")
    await page.click(f"button[value='{username}']")
    await page.wait_for_url(f"{base}/")


class Timer:
    """Page load times (navigation to load event), as the person waits for them."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    async def goto(self, page, url: str, name: str | None = None):
        started = time.perf_counter()
        response = await page.goto(url)
        self.times.setdefault(name or url, []).append(time.perf_counter() - started)
        assert response is not None and response.status < 400 or url.endswith("/nirgends"), (
            f"{url}: {response and response.status}\n{(await page.content())[-3000:]}"
        )
        return response

    def report(self) -> str:
        lines = [f"  {max(v) * 1000:6.0f} ms  {k}" for k, v in sorted(self.times.items())]
        return "page times (slowest of each):\n" + "\n".join(lines)


def link_in_email(stack: Stack, address: str, pattern: str = r"https?://\S+/rsvp/[\w.-]+") -> str:
    """The personal link in the text part of the real email sent to ``address``."""

    def found():
        for message in mails(stack.mail_dir):
            if message["To"].addresses[0].addr_spec != address:
                continue
            text = message.get_body(preferencelist=("plain",)).get_content()
            match = re.search(pattern, text)
            if match:
                return match.group(0)
        return None

    return wait_for(found, timeout=30)


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
