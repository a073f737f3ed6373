"""A service killed mid-stream: the notifications service dies while sending a campaign.

A meeting is published to a few hundred people; the campaign's progress moves (the API shows
it while it runs); the notifications service is SIGKILLed midway and started again. Then
every recipient has their invitation; at most the one email in flight at the moment of the
crash may go out twice (ARCHITECTURE: "A crash may resend at most the one email in flight,
never a whole batch").
"""

from __future__ import annotations

import collections
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import logs_of, mails, wait_for

# 160 people through the API, the campaign, a kill and a restart: more than the default 120 s
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

RECIPIENTS = 160  # a campaign long enough to be killed midway (20 emails a second here)


def test_invitations_survive_a_crash_of_the_notifications_service(tmp_path) -> None:
    config = StackConfig.isolated(
        tmp_path,
        "crash",
        memory=True,  # the databases outlive the killed service; no restart of them here
        # a claimed delivery is retried 3 x this after a crash
        extra_env={
            "AIQ_NOTIFICATIONS_SMTP_TIMEOUT_S": "2",
            "AIQ_NOTIFICATIONS_SEND_RATE_PER_MINUTE": "1200",
        },
    )
    stack = Stack(config)
    stack.start()
    try:
        http = stack.http(timeout=30)
        contacts, events = stack.url("contacts"), stack.url("events")
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Logistik am Hafen", "district": "Eving"}
        ).json()

        def person(i: int) -> None:
            http.post(
                f"{contacts}/people",
                json={
                    "first_name": f"Person{i}",
                    "last_name": "Eving",
                    "email": f"person{i}@hafen.example",
                    "organisation_id": organisation["id"],
                    "email_consent": True,
                },
            ).raise_for_status()

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(person, range(RECIPIENTS)))

        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Netzwerktreffen Eving",
                "starts_at": "2027-05-06T16:00:00",
                "ends_at": "2027-05-06T19:00:00",
                "venue": {"name": "Café Durchblick"},
                "capacity": 80,
                "districts": ["Eving"],
            },
        ).json()

        def caught_up() -> bool:  # events (whom to invite) and notifications know everyone
            preview = http.post(
                f"{events}/events/{meeting['id']}/invitations/preview", json={}
            ).json()
            lag = http.get(f"{stack.url('notifications')}/ready").json()["checks"]["consumer_lag"]
            return preview.get("eligible") == RECIPIENTS and not any(lag.values())

        wait_for(caught_up, timeout=90)
        http.post(f"{events}/events/{meeting['id']}/publish").raise_for_status()

        notifications = stack.url("notifications")

        def progress() -> dict | None:
            items = http.get(
                f"{notifications}/campaigns", params={"event_id": meeting["id"]}
            ).json()["items"]
            return items[0] if items else None

        midway = wait_for(
            lambda: (p := progress()) and 20 <= p["sent"] < RECIPIENTS and p, 60, interval=0.05
        )
        assert midway["total"] == RECIPIENTS and midway["pending"] > 0 and not midway["done"]
        stack.kill("notifications")
        sent_before_crash = len(mails(stack.mail_dir))
        assert sent_before_crash < RECIPIENTS, "the crash came too late to prove anything"
        stack.restart_service("notifications")
        stack.wait_ready(60)

        wait_for(lambda: len(set(m["To"] for m in mails(stack.mail_dir))) == RECIPIENTS, 90)
        final = wait_for(lambda: (p := progress()) and p["done"] and p, 30)
        assert final["sent"] == RECIPIENTS and final["failed"] == 0 and final["skipped"] == 0
        time.sleep(1.5)
        per_recipient = collections.Counter(m["To"] for m in mails(stack.mail_dir))
        print(f"sent before the crash: {sent_before_crash}, emails in all: {per_recipient.total()}")
        assert len(per_recipient) == RECIPIENTS
        assert sum(per_recipient.values()) - RECIPIENTS <= 1  # only the one in flight, if any
        deliveries = http.get(
            f"{notifications}/deliveries", params={"limit": 200, "kind": "invitation"}
        ).json()["items"]
        assert len(deliveries) == min(200, RECIPIENTS)  # the first page: every one of them sent
        assert all(d["state"] == "sent" for d in deliveries)
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()
