"""The staff app in a real browser (Debian's chromium, driven by Playwright), against the
whole system as processes: the Hörde officer's journey from signing in to a company's
timeline, an accessibility scan of every page (axe-core: no serious or critical violation),
and screenshots of each main page at 390 px and 1280 px into ``AIQ_SCREENSHOT_DIR``."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import async_playwright, expect
from staff_support import CHROMIUM, Timer, launch, link_in_email, screenshot_path, seed, sign_in

from aiq_devstack.stack import Stack, StackConfig
from helpers import logs_of, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"
    ),
]
TIMER = Timer()
SEEN: dict = {}  # what the journey made, for the scan


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    config = StackConfig.isolated(
        tmp_path_factory.mktemp("staff-browser"),
        "staffbrowser",
        memory=True,
        extra_env={"AIQ_NOTIFICATIONS_SENDER_POLL_INTERVAL_S": "0.2"},
    )
    with Stack(config) as running:
        yield running


@pytest.fixture(scope="module")
def world(stack: Stack) -> dict:
    return seed(stack)


async def test_the_hoerde_officers_journey_from_sign_in_to_the_companys_timeline(
    stack: Stack, world: dict
) -> None:
    base = stack.url("staff")
    http = stack.http(timeout=15)
    metallbau = world["organisations"]["Metallbau Emscher"]
    day = date.today() + timedelta(days=30)
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await sign_in(page, base, "m.schneider")
            await expect(page.locator("h1")).to_have_text("Mein Bezirk: Hörde")

            # find the company: search as you type, without a reload
            await TIMER.goto(page, f"{base}/betriebe", "Betriebe")
            await page.evaluate("window.notReloaded = true")
            await page.locator("#f-q").press_sequentially("metall")
            results = page.locator("#ergebnisse")
            await expect(results).to_contain_text("Metallbau Emscher")
            await expect(results).not_to_contain_text("Bäckerei Phoenixsee")
            assert await page.evaluate("window.notReloaded === true")
            assert "q=metall" in page.url  # the address says what is shown
            await results.get_by_role("link", name="Metallbau Emscher").click()
            await page.wait_for_url(f"{base}/betriebe/{metallbau}")

            # a note and a follow-up, each in place
            await page.select_option("#f-e-kind", "call")
            await page.fill("#f-e-text", "Telefonat: Interesse an Praktikumsplätzen")
            await page.get_by_role("button", name="Eintragen").click()
            history = page.locator("#verlauf")
            await expect(history).to_contain_text("Eingetragen.")
            await expect(history.locator(".timeline")).to_contain_text(
                "Telefonat: Interesse an Praktikumsplätzen"
            )
            await page.get_by_text("Wiedervorlage anlegen", exact=True).first.click()
            await page.fill("#f-w-title", "Praktikumsplätze für den Sommer klären")
            await page.fill("#f-w-due", (date.today() + timedelta(days=7)).isoformat())
            await page.get_by_role("button", name="Wiedervorlage anlegen").click()
            await expect(history).to_contain_text("Offene Wiedervorlagen")
            await expect(history).to_contain_text("Praktikumsplätze für den Sommer klären")
            await TIMER.goto(page, f"{base}/", "Mein Bezirk")
            await expect(page.locator("main")).to_contain_text("Praktikumsplätze für den Sommer")

            # a meeting with tables
            await TIMER.goto(page, f"{base}/veranstaltungen/neu", "Treffen anlegen")
            await page.fill("#f-title", "Netzwerktreffen Hörde")
            await page.fill("#f-starts_at", f"{day}T16:00")
            await page.fill("#f-ends_at", f"{day}T19:00")
            await page.fill("#f-venue-name", "Café Durchblick")
            await page.fill("#f-capacity", "20")
            await page.fill("#f-agenda-0-title", "Begrüßung")
            await page.fill("#f-agenda-0-starts_at", f"{day}T16:00")
            await page.fill("#f-topic_tables-0-title", "Speed-Woche")
            await page.fill("#f-topic_tables-0-capacity", "8")
            await page.fill("#f-topic_tables-1-title", "Schul-AGs in Unternehmen")
            await page.fill("#f-topic_tables-1-capacity", "8")
            await page.get_by_role("button", name="Speichern").click()
            await expect(page.locator("h1")).to_contain_text("Netzwerktreffen Hörde")
            meeting = page.url.rsplit("/", 1)[1]
            SEEN["meeting"] = meeting
            await expect(page.locator("main")).to_contain_text("Speed-Woche")

            # the invitation builder: a live preview, then sending and the campaign's progress
            await page.get_by_role("link", name="Einladungen zusammenstellen").click()
            eligible = page.locator("[data-count='eligible']")
            await expect(eligible).to_have_text("2")  # Hörde's two people with consent
            await page.select_option("#f-status", ["active"])
            await expect(eligible).to_have_text("1")  # live: only the active partner
            await page.select_option("#f-status", [])
            await expect(eligible).to_have_text("2")
            await page.get_by_role("button", name="Veröffentlichen und Einladungen senden").click()
            await page.wait_for_url(re.compile(r".*/kampagnen/.*"))
            await page.evaluate("window.notReloaded = true")
            await expect(page.locator("#kampagne h2")).to_contain_text(
                "alle bearbeitet", timeout=30_000
            )
            await expect(page.locator("[data-count='sent']")).to_have_text("2")
            assert await page.evaluate("window.notReloaded === true")  # it moved by itself

            # the invitee registers through the link in the real email
            link = link_in_email(stack, world["people"]["Erika Muster"]["email"])
            invitee = await browser.new_page(viewport={"width": 390, "height": 800})
            await invitee.goto(link)
            await invitee.get_by_label(re.compile("Speed-Woche")).check()
            await invitee.get_by_role("button", name="Verbindlich anmelden").click()
            await expect(invitee.locator("body")).to_contain_text("Sie sind angemeldet")
            await invitee.close()

            # the registration appears; check-in at the desk
            await TIMER.goto(page, f"{base}/veranstaltungen/{meeting}/anmeldungen", "Anmeldungen")
            await expect(page.locator("main table")).to_contain_text("Erika Muster")
            await expect(page.locator("main table")).to_contain_text("bestätigt")
            await TIMER.goto(page, f"{base}/veranstaltungen/{meeting}/einlass", "Einlass")
            await page.get_by_role("button", name=re.compile("Einchecken.*Erika Muster")).click()
            await expect(page.locator(".messages")).to_contain_text(
                "Willkommen: Erika Muster ist eingecheckt"
            )

            # outcomes, which become follow-ups in the company's history
            await TIMER.goto(page, f"{base}/veranstaltungen/{meeting}/ergebnisse", "Ergebnisse")
            card = page.locator(f"section[aria-labelledby='o-{metallbau}']")
            await expect(card).to_contain_text("war da")
            await card.locator("summary").click()
            await card.locator("textarea").fill("Zwei Praktikumsplätze im Mai angeboten")
            await card.get_by_label("Wiedervorlage (optional)").fill("Praktikanten für Mai finden")
            await card.get_by_label("Fällig am").fill((day + timedelta(days=30)).isoformat())
            await card.get_by_role("button", name="Festhalten").click()
            await expect(page.locator(".messages")).to_contain_text("Ergebnis festgehalten")

            def arrived() -> bool:  # events -> Kafka -> contacts
                follow_ups = http.get(
                    f"{stack.url('contacts')}/follow-ups", params={"organisation_id": metallbau}
                ).json()
                return any(f.get("meeting_id") == meeting for f in follow_ups["items"])

            wait_for(arrived, timeout=30)
            await TIMER.goto(page, f"{base}/betriebe/{metallbau}", "Betrieb")
            timeline = page.locator(".timeline")
            await expect(timeline).to_contain_text("Praktikanten für Mai finden")
            await expect(timeline).to_contain_text("Zwei Praktikumsplätze im Mai angeboten")
            await expect(timeline).to_contain_text("Netzwerktreffen Hörde: eingecheckt")
        finally:
            await browser.close()
    print(TIMER.report())
    assert stack.child("staff").process.poll() is None, logs_of(stack)


async def test_every_page_passes_axe_and_the_main_ones_are_photographed(
    stack: Stack, world: dict
) -> None:
    base = stack.url("staff")
    http = stack.http(timeout=15)
    # the journey's meeting (Hörde); on a worker that did not run the journey, one like it:
    # the Hörde officer photographs the meeting's pages at 390 px, so not Eving's
    meeting = SEEN.get("meeting") or _hoerde_meeting(stack)
    metallbau = world["organisations"]["Metallbau Emscher"]
    erika = world["people"]["Erika Muster"]["id"]
    segment = http.post(
        f"{stack.url('contacts')}/segments",
        json={"name": "Hörder Partner", "filter": {"districts": ["Hörde"]}},
    )
    main_pages = {
        "mein-bezirk": "/",
        "betriebe": "/betriebe",
        "betrieb": f"/betriebe/{metallbau}",
        "personen": "/personen",
        "person": f"/personen/{erika}",
        "veranstaltungen": "/veranstaltungen",
        "treffen": f"/veranstaltungen/{meeting}",
        "einladungen": f"/veranstaltungen/{meeting}/einladungen",
        "anmeldungen": f"/veranstaltungen/{meeting}/anmeldungen",
        "einlass": f"/veranstaltungen/{meeting}/einlass",
        "ergebnisse": f"/veranstaltungen/{meeting}/ergebnisse",
        "bericht": f"/veranstaltungen/{meeting}/bericht",
    }
    other_pages = [
        "/betriebe/neu",
        f"/betriebe/{metallbau}/bearbeiten",
        "/personen/neu",
        f"/personen/{erika}/bearbeiten",
        f"/personen/{erika}/loeschen",
        "/segmente",
        "/segmente/neu",
        f"/segmente/{segment.json()['id']}",
        "/import",
        "/veranstaltungen/neu",
        f"/veranstaltungen/{meeting}/bearbeiten",
        f"/veranstaltungen/{meeting}/anmeldungen?ansicht=warteliste",
        f"/veranstaltungen/{meeting}/anmeldungen?ansicht=tische",
        f"/veranstaltungen/{meeting}/anmeldungen?ansicht=gruppen",
        f"/veranstaltungen/{meeting}/tische",
        f"/veranstaltungen/{meeting}/emails",
        "/betriebe?q=zzzz",
        "/nirgends",
    ]
    axe = Axe()
    problems: dict[str, list] = {}
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            anonymous = await browser.new_page()
            await anonymous.goto(f"{base}/anmelden")
            problems["/anmelden"] = await _serious(axe, anonymous)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await sign_in(page, base, "k.wagner")  # the coordinator may see every page
            for name, path in main_pages.items():
                await TIMER.goto(page, base + path, path)
                problems[path] = await _serious(axe, page)
                await page.screenshot(
                    path=str(screenshot_path(f"staff-{name}-1280.png")), full_page=True
                )
            for path in other_pages:
                await TIMER.goto(page, base + path, path)
                problems[path] = await _serious(axe, page)
            phone = await browser.new_page(viewport={"width": 390, "height": 844})
            await sign_in(phone, base, "m.schneider")
            for name, path in main_pages.items():
                answer = await phone.goto(base + path)
                assert answer is not None and answer.status == 200, f"{path} (390 px)"
                problems[f"{path} (390 px)"] = await _serious(axe, phone)
                # every table of these two reads without scrolling: the follow-ups (with
                # "Zuständig") and the people (with their long e-mail addresses)
                await _fits(phone, path, "table" if path in ("/", "/personen") else "table.stacked")
                await phone.screenshot(
                    path=str(screenshot_path(f"staff-{name}-390.png")), full_page=True
                )
        finally:
            await browser.close()
    print(TIMER.report())
    failing = {path: found for path, found in problems.items() if found}
    assert not failing, failing


def _hoerde_meeting(stack: Stack) -> str:
    start = date.today() + timedelta(days=28)
    created = stack.http(timeout=15).post(
        f"{stack.url('events')}/events",
        json={
            "title": "Netzwerktreffen Hörde",
            "starts_at": f"{start}T16:00:00",
            "ends_at": f"{start}T19:00:00",
            "venue": {"name": "Café Durchblick"},
            "capacity": 30,
            "districts": ["Hörde"],
            "topic_tables": [{"title": "Speed-Dating", "capacity": 10}],
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def _fits(phone, path: str, tables: str = "table.stacked") -> None:
    """Nothing on the page scrolls sideways: the document, nor the ``tables`` (stacked ones
    read one block per row on a phone)."""
    width, inner = await phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{path} scrolls sideways at {inner} px ({width} px)"
    wider = await phone.evaluate(
        "tables => [...document.querySelectorAll(tables)]"
        ".filter(t => t.parentElement.scrollWidth > t.parentElement.clientWidth)"
        ".map(t => t.caption ? t.caption.textContent : t.outerHTML.slice(0, 80))",
        tables,
    )
    assert not wider, f"{path}: these tables scroll sideways at {inner} px: {wider}"


async def _serious(axe: Axe, page) -> list[str]:
    results = await axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


async def test_the_hoerde_officer_sees_nothing_of_eving_anywhere_in_the_app(
    stack: Stack, world: dict
) -> None:
    base = stack.url("staff")
    eving_company = world["organisations"]["Pflegedienst Eving"]
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page()
            await sign_in(page, base, "m.schneider")
            await page.goto(f"{base}/betriebe")
            await expect(page.locator("#ergebnisse")).to_contain_text("Metallbau Emscher")
            for path in (
                "/",
                "/betriebe",
                "/personen",
                "/veranstaltungen",
                "/betriebe?q=pflegedienst",
                "/personen?q=cem",
            ):
                await page.goto(base + path)
                main = page.locator("main")
                for text in ("Pflegedienst Eving", "Cem Evinger", "Netzwerktreffen Eving"):
                    await expect(main).not_to_contain_text(text)
            for path in (
                f"/betriebe/{eving_company}",
                f"/veranstaltungen/{world['eving_meeting']}",
                f"/personen/{world['people']['Cem Evinger']['id']}",
            ):
                answer = await page.goto(base + path)
                assert answer is not None and answer.status in (403, 404), path
            export = await page.request.get(f"{base}/betriebe/export?format=csv")
            exported = await export.text()
            assert export.ok and "Metallbau Emscher" in exported
            assert "Pflegedienst Eving" not in exported
        finally:
            await browser.close()


async def test_a_coordinator_sees_every_district(stack: Stack, world: dict) -> None:
    base = stack.url("staff")
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page()
            await sign_in(page, base, "k.wagner")
            await expect(page.locator("h1")).to_have_text("Alle Bezirke")
            await page.goto(f"{base}/betriebe")
            results = page.locator("#ergebnisse")
            await expect(results).to_contain_text("Pflegedienst Eving")
            await expect(results).to_contain_text("Metallbau Emscher")
            await page.goto(f"{base}/veranstaltungen")
            await expect(page.locator("main")).to_contain_text("Netzwerktreffen Eving")
        finally:
            await browser.close()
