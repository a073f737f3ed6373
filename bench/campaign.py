"""An invitation campaign to a few hundred people, on the embedded stack.

    .venv/bin/python bench/campaign.py [--people 300] [--rate 600] [--kill-at 0.3]

Starts the whole system (processes, databases in memory), creates ``--people`` contacts with
consent, publishes a meeting (the events service starts a campaign for its districts) and
follows ``GET /campaigns/{id}`` until it is done, printing the progress once a second. With
``--kill-at F`` the notifications service is SIGKILLed once a fraction F has been sent and
started again. Prints: time to the last email, emails per second, and how many people got
how many invitations (the mail catcher's files are counted). Figures on the embedded servers
are not MongoDB's or Kafka's.
"""

from __future__ import annotations

import argparse
import collections
import email
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from figures import cpu_of  # noqa: E402

from aiq_devstack.stack import Stack, StackConfig  # noqa: E402


def recipients(mail_dir: Path) -> collections.Counter[str]:
    """How many messages each address got (the catcher writes one .eml per message)."""
    counts: collections.Counter[str] = collections.Counter()
    for path in mail_dir.glob("*.eml"):
        parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        counts[str(parsed["To"])] += 1
    return counts


def wait_for(probe, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError("the system did not catch up")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rate", type=int, default=600, help="emails per minute (0: no limit)")
    parser.add_argument("--kill-at", type=float, default=None, help="fraction sent, then kill")
    args = parser.parse_args()
    config = StackConfig.isolated(
        Path(tempfile.mkdtemp(prefix="aiq-bench-")),
        "bench",
        memory=True,
        extra_env={
            "AIQ_NOTIFICATIONS_SEND_RATE_PER_MINUTE": str(args.rate),
            "AIQ_NOTIFICATIONS_SMTP_TIMEOUT_S": "2",
        },
    )
    with Stack(config) as stack, stack.http() as http:
        contacts, events, notifications = (
            stack.url(n) for n in ("contacts", "events", "notifications")
        )
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Bench GmbH", "district": "Eving"}
        ).json()

        def person(i: int) -> None:
            http.post(
                f"{contacts}/people",
                json={
                    "first_name": f"P{i}",
                    "last_name": "Bench",
                    "email": f"p{i}@bench.example",
                    "organisation_id": organisation["id"],
                    "email_consent": True,
                },
            ).raise_for_status()

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(person, range(args.people)))

        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Netzwerktreffen Eving",
                "starts_at": "2027-05-06T16:00:00",
                "ends_at": "2027-05-06T19:00:00",
                "venue": {"name": "Café Durchblick"},
                "capacity": args.people,
                "districts": ["Eving"],
            },
        ).json()

        def caught_up() -> bool:  # events (whom to invite) and notifications know everyone
            preview = http.post(
                f"{events}/events/{meeting['id']}/invitations/preview", json={}
            ).json()
            lag = http.get(f"{notifications}/ready").json()["checks"]["consumer_lag"]
            return preview.get("eligible") == args.people and not any(lag.values())

        wait_for(caught_up, timeout=300)
        started = time.monotonic()
        cpu_before = cpu_of(stack)
        http.post(f"{events}/events/{meeting['id']}/publish").raise_for_status()
        killed = False
        while True:
            campaigns = http.get(
                f"{notifications}/campaigns", params={"event_id": meeting["id"]}
            ).json()["items"]
            if campaigns:
                c = campaigns[0]
                print(
                    f"{time.monotonic() - started:6.1f} s  total {c['total']}  sent {c['sent']}"
                    f"  pending {c['pending']}  failed {c['failed']}  skipped {c['skipped']}"
                )
                if c["done"]:
                    break
                if args.kill_at and not killed and c["sent"] >= args.kill_at * c["total"]:
                    stack.kill("notifications")
                    print("        notifications killed; starting it again")
                    stack.restart_service("notifications")
                    stack.wait_ready(60)
                    killed = True
            time.sleep(1.0)
        elapsed = time.monotonic() - started
        cpu_spent = {n: s - cpu_before.get(n, 0.0) for n, s in cpu_of(stack).items()}
        time.sleep(1.0)
        per_person = recipients(stack.mail_dir)
    print(f"people: {args.people}, emails: {per_person.total()}, rate limit: {args.rate}/min")
    print(f"publish -> last invitation sent: {elapsed:.1f} s ({args.people / elapsed:.1f}/s)")
    print(f"invitations per person: {dict(collections.Counter(per_person.values()))}")
    per = 1000 / args.people
    spent = sorted(cpu_spent.items(), key=lambda item: -item[1])
    print(f"CPU per invitation: {sum(cpu_spent.values()) * per:.1f} ms, by process:")
    for name, seconds in spent:  # (a process started again after --kill-at: since then)
        print(f"  {name:<22} {seconds * per:6.1f} ms")


if __name__ == "__main__":
    main()
