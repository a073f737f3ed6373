"""The district dashboard in a real browser: headless Chromium (Debian's ``chromium``, driven
by Playwright) opens Hörde's page as its officer; a registration made through the API shows
up on the page without a reload; a screenshot is kept for people to look at.

The whole system runs as processes on the embedded servers (as ``./aiq up`` runs it).
Screenshots go to ``AIQ_SCREENSHOT_DIR`` (default ``test-artifacts/``).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import async_playwright, expect

from aiq_devstack.stack import Stack, StackConfig
from helpers import logs_of, wait_for

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("AIQ_SCREENSHOT_DIR", "test-artifacts"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    config = StackConfig.isolated(
        tmp_path_factory.mktemp("browser"),
        "browser",
        memory=True,
        extra_env={"AIQ_NOTIFICATIONS_SENDER_POLL_INTERVAL_S": "0.2"},
    )
    with Stack(config) as running:
        yield running


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
async def test_the_hoerde_dashboard_updates_live_in_a_browser(stack: Stack) -> None:
    http = stack.http(timeout=10)
    contacts, events = stack.url("contacts"), stack.url("events")
    companies = [
        ("Metallbau Emscher", "2019-04-01"),
        ("Bäckerei Phoenixsee", None),
        ("Pflegedienst Hörde", (date.today() - timedelta(days=90)).isoformat()),  # new
    ]
    people = []
    for i, (name, since) in enumerate(companies):
        body = {"name": name, "industry": "Handwerk", "district": "Hörde"}
        if since:
            body |= {"partner_since": since, "status": "active"}
        organisation = http.post(f"{contacts}/organisations", json=body)
        assert organisation.status_code == 201, organisation.text
        person = http.post(
            f"{contacts}/people",
            json={
                "first_name": ["Anna", "Ben", "Carla"][i],
                "last_name": "Hörder",
                "email": f"person{i}@hoerde.example",
                "organisation_id": organisation.json()["id"],
                "email_consent": True,
            },
        ).json()
        people.append(person)
    starts = (datetime.now(UTC) + timedelta(days=14)).replace(hour=15, minute=0, microsecond=0)
    meeting = http.post(
        f"{events}/events",
        json={
            "title": "Netzwerktreffen Hörde",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "venue": {"name": "Café Durchblick", "address": "Hörder Bahnhofstr. 1"},
            "capacity": 20,
            "districts": ["Hörde"],
            "topic_tables": [
                {"title": "Schul-AGs in Unternehmen", "capacity": 8},
                {"title": "Azubis als Botschafter*innen", "capacity": 8},
                {"title": "Praktika für Schüler*innen", "capacity": 8},
            ],
        },
    ).json()

    def everyone_known() -> bool:  # events invites whom it knows: wait until it knows all
        preview = http.post(f"{events}/events/{meeting['id']}/invitations/preview", json={})
        return preview.json().get("eligible") == len(people)

    wait_for(everyone_known, timeout=30)
    assert http.post(f"{events}/events/{meeting['id']}/publish").status_code == 200
    tables = [t["id"] for t in meeting["topic_tables"]]

    def register(person: dict, chosen: list[str]) -> None:
        def attempt():  # the events service learns about people through Kafka
            response = http.post(
                f"{events}/events/{meeting['id']}/registrations",
                json={"person_id": person["id"], "topic_table_ids": chosen},
            )
            return response if response.status_code == 201 else None

        wait_for(attempt, timeout=30)

    register(people[0], [tables[0], tables[1]])
    notifications = stack.url("notifications")
    wait_for(lambda: _counter(http, notifications, meeting["id"], "registered") == 1, timeout=30)

    officer = stack.token("officer", ["Hörde"], "Aylin Yılmaz")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(f"{notifications}/dashboard/{quote('Hörde')}?token={officer}")
            assert page.url.endswith("/dashboard/H%C3%B6rde")  # signed in, token out of the URL
            card = page.locator(f"article[data-meeting='{meeting['id']}']")
            registered = card.locator("[data-counter='registered']")
            await expect(registered).to_have_text("1")
            await expect(page.locator("#live-status")).to_contain_text("Live")
            await page.evaluate("window.notReloaded = true")

            started = time.monotonic()
            register(people[1], [tables[1]])
            await expect(registered).to_have_text("2", timeout=10_000)
            seconds = time.monotonic() - started
            register(people[2], [tables[1], tables[2]])
            await expect(registered).to_have_text("3", timeout=10_000)
            assert await page.evaluate("window.notReloaded === true")  # live, not reloaded
            await expect(card.locator("[data-counter='long_standing_partners']")).to_have_text("1")
            await expect(card.locator("[data-counter='new_partners']")).to_have_text("2")
            await expect(card.locator("[data-counter='invited']")).to_have_text("3")

            # an officer of Hörde sees only Hörde
            assert [await a.inner_text() for a in await page.locator("nav a").all()] == ["Hörde"]
            other = await page.goto(f"{notifications}/dashboard/Eving")
            assert other is not None and other.status == 403
            await page.goto(f"{notifications}/dashboard/{quote('Hörde')}")
            await expect(card.locator("[data-counter='registered']")).to_have_text("3")

            shot = _screenshot_path("dashboard-hoerde.png")
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            await browser.close()
    print(f"registration -> page without reload: {seconds:.2f} s; screenshot {shot}")
    assert seconds < 10, logs_of(stack)


def _counter(http, notifications: str, meeting_id: str, field: str) -> int | None:
    dashboard = http.get(f"{notifications}/dashboards/districts/Hörde").json()
    return next((e[field] for e in dashboard["events"] if e["meeting_id"] == meeting_id), None)


def _screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
