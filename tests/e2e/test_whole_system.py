"""The whole system as processes, driven over HTTP, on the embedded default (``aiq up``).

The scenario of the walking skeleton: contacts -> events -> Kafka -> emails (as .eml files in
the catcher's folder) and the Hörde dashboard; then the stack is stopped and started again and
everything is still there, with nothing sent twice.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import local, logs_of, mails, upcoming, wait_for

pytestmark = pytest.mark.e2e

STARTS, ENDS = upcoming()


def mails_to(folder: Path, address: str, subject_start: str) -> list:
    return [
        m for m in mails(folder) if address in m["To"] and m["Subject"].startswith(subject_start)
    ]


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> StackConfig:
    return StackConfig.isolated(
        tmp_path_factory.mktemp("aiq"),
        "e2e",
        extra_env={"AIQ_NOTIFICATIONS_SENDER_POLL_INTERVAL_S": "0.2"},
    )


def test_registration_travels_to_email_and_dashboard_and_survives_a_restart(config) -> None:
    stack = Stack(config)
    stack.start()
    try:
        urls = {name: stack.url(name) for name in ("contacts", "events", "notifications")}
        http = stack.http(timeout=10)
        for url in urls.values():
            assert http.get(f"{url}/health").json()["status"] == "ok"
            assert http.get(f"{url}/openapi.json").status_code == 200
            assert http.get(f"{url}/docs").status_code == 200

        organisation = http.post(
            f"{urls['contacts']}/organisations",
            json={"name": "Metallbau Emscher", "industry": "Handwerk", "district": "Hörde"},
        ).json()
        first, second = (
            http.post(
                f"{urls['contacts']}/people",
                json={
                    "first_name": name,
                    "last_name": "Hörder",
                    "email": f"{name.lower()}@metallbau.example",
                    "organisation_id": organisation["id"],
                    "email_consent": True,
                },
            ).json()
            for name in ("Erika", "Fatih")
        )
        meeting = http.post(
            f"{urls['events']}/events",
            json={
                "title": "Netzwerktreffen Hörde",
                "starts_at": local(STARTS),
                "ends_at": local(ENDS),
                "venue": {"name": "Café Durchblick", "address": "Dortmund"},
                "capacity": 1,
                "districts": ["Hörde"],
                "topic_tables": [
                    {"title": "Speed-Woche", "capacity": 5},
                    {"title": "Azubis als Botschafter*innen", "capacity": 5},
                ],
            },
        ).json()
        table = meeting["topic_tables"][0]["id"]

        def recipients_known() -> bool:
            # events (whom to invite) and notifications (where to write) read people from
            # Kafka; publish once both have them
            preview = http.post(
                f"{urls['events']}/events/{meeting['id']}/invitations/preview", json={}
            ).json()
            lag = http.get(f"{urls['notifications']}/ready").json()["checks"]["consumer_lag"]
            return preview.get("eligible") == 2 and not any(lag.values())

        wait_for(recipients_known)
        assert http.post(f"{urls['events']}/events/{meeting['id']}/publish").status_code == 200

        mail_dir = stack.mail_dir
        wait_for(lambda: mails_to(mail_dir, "erika@", "Einladung"), timeout=15)
        deliveries = http.get(
            f"{urls['notifications']}/deliveries",
            params={"event_id": meeting["id"], "kind": "invitation"},
        ).json()["items"]
        invited = {d["email"] for d in deliveries}
        assert invited == {"erika@metallbau.example", "fatih@metallbau.example"}

        def register(person: dict) -> httpx.Response:
            def attempt() -> httpx.Response | None:
                response = http.post(
                    f"{urls['events']}/events/{meeting['id']}/registrations",
                    json={"person_id": person["id"], "topic_table_ids": [table]},
                )
                return None if "unknown person" in response.text else response

            return wait_for(attempt)

        erika = register(first)
        assert erika.json()["status"] == "confirmed"
        confirmation = wait_for(lambda: mails_to(mail_dir, "erika@", "Anmeldung bestätigt"))[0]
        attachments = [p.get_filename() for p in confirmation.iter_attachments()]
        assert attachments == ["termin.ics"]
        assert confirmation.get_body(("plain",)) is not None
        assert confirmation.get_body(("html",)) is not None

        def hoerde() -> dict:
            return http.get(f"{urls['notifications']}/dashboards/districts/Hörde").json()

        wait_for(lambda: hoerde()["events"] and hoerde()["events"][0]["registered"] == 1)

        fatih = register(second)
        assert fatih.json()["status"] == "waitlisted"
        wait_for(lambda: mails_to(mail_dir, "fatih@", "Warteliste"))

        cancelled = http.post(
            f"{urls['events']}/events/{meeting['id']}/registrations/{erika.json()['id']}/cancel"
        )
        assert cancelled.json()["status"] == "cancelled"
        wait_for(lambda: mails_to(mail_dir, "fatih@", "Anmeldung bestätigt"))
        wait_for(lambda: mails_to(mail_dir, "erika@", "Absage erhalten"))
        counts = wait_for(lambda: hoerde()["events"][0]["cancelled"] == 1 and hoerde()["events"][0])
        assert (counts["invited"], counts["registered"], counts["waitlisted"]) == (2, 1, 0)
        time.sleep(1.5)
        sent_before_restart = len(mails(mail_dir))
        # 2 invitations, confirmation, waitlist, move-up, and Erika's cancellation confirmed
        assert sent_before_restart == 6
        assert len({m["Message-ID"] for m in mails(mail_dir)}) == 6
    except BaseException:
        print(logs_of(stack))  # shown by pytest with the failure
        raise
    finally:
        stack.stop()
    assert all(child.process.poll() is not None for child in stack.children) or not stack.children

    stack = Stack(config)  # the same data folder: a restart
    stack.start()
    try:
        http = stack.http(timeout=10)
        people = http.get(f"{stack.url('contacts')}/people").json()["items"]
        assert {p["first_name"] for p in people} == {"Erika", "Fatih"}
        registrations = http.get(
            f"{stack.url('events')}/events/{meeting['id']}/registrations"
        ).json()["items"]
        assert sorted(r["status"] for r in registrations) == ["cancelled", "confirmed"]
        deliveries = http.get(f"{stack.url('notifications')}/deliveries").json()["items"]
        assert len(deliveries) == 6 and all(d["state"] == "sent" for d in deliveries)
        hoerde_after = http.get(f"{stack.url('notifications')}/dashboards/districts/Hörde").json()[
            "events"
        ]
        assert hoerde_after[0]["registered"] == 1

        # the pipeline works after the restart, and nothing old is sent again
        again = http.post(
            f"{stack.url('events')}/events/{meeting['id']}/registrations",
            json={"person_id": first["id"], "topic_table_ids": []},
        )
        assert again.json()["status"] == "waitlisted"
        wait_for(lambda: len(mails(stack.mail_dir)) == sent_before_restart + 1)
        time.sleep(1.5)
        assert len(mails(stack.mail_dir)) == sent_before_restart + 1
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()
