"""A service killed mid-stream: the notifications service dies while sending invitations.

After a restart every recipient has their invitation; at most the one email in flight at the
moment of the crash may go out twice (ARCHITECTURE: "A crash may resend at most the one email
in flight, never a whole batch").
"""

from __future__ import annotations

import collections
import time

import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import logs_of, mails, wait_for

pytestmark = pytest.mark.e2e

RECIPIENTS = 60


def test_invitations_survive_a_crash_of_the_notifications_service(tmp_path) -> None:
    config = StackConfig.isolated(
        tmp_path,
        "crash",
        memory=True,  # the databases outlive the killed service; no restart of them here
        # a claimed delivery is retried 3 x this after a crash
        extra_env={"AIQ_NOTIFICATIONS_SMTP_TIMEOUT_S": "2"},
    )
    stack = Stack(config)
    stack.start()
    try:
        http = stack.http(timeout=30)
        contacts, events = stack.url("contacts"), stack.url("events")
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Logistik am Hafen", "district": "Eving"}
        ).json()
        for i in range(RECIPIENTS):
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

        def caught_up() -> bool:
            ready = http.get(f"{stack.url('notifications')}/ready").json()["checks"]
            source = http.get(f"{contacts}/ready").json()["checks"]
            lag = ready["consumer_lag"].get("notifications.contacts")
            return source["outbox_pending"] == 0 and lag == 0

        wait_for(caught_up, timeout=30)
        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Netzwerktreffen Eving",
                "starts_at": "2026-05-07T16:00:00",
                "ends_at": "2026-05-07T19:00:00",
                "venue": {"name": "Café Durchblick"},
                "capacity": 80,
                "districts": ["Eving"],
            },
        ).json()
        http.post(f"{events}/events/{meeting['id']}/publish").raise_for_status()

        wait_for(lambda: len(mails(stack.mail_dir)) >= 5, timeout=30, interval=0.02)
        stack.kill("notifications")
        sent_before_crash = len(mails(stack.mail_dir))
        assert sent_before_crash < RECIPIENTS, "the crash came too late to prove anything"
        stack.restart_service("notifications")
        stack.wait_ready(60)

        wait_for(lambda: len(set(m["To"] for m in mails(stack.mail_dir))) == RECIPIENTS, 60)
        time.sleep(1.5)
        per_recipient = collections.Counter(m["To"] for m in mails(stack.mail_dir))
        print(f"sent before the crash: {sent_before_crash}, emails in all: {per_recipient.total()}")
        assert len(per_recipient) == RECIPIENTS
        assert sum(per_recipient.values()) - RECIPIENTS <= 1  # only the one in flight, if any
        deliveries = http.get(
            f"{stack.url('notifications')}/deliveries", params={"limit": 200}
        ).json()["items"]
        assert len(deliveries) == RECIPIENTS
        assert all(d["state"] == "sent" for d in deliveries)
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()
