"""How long a registration takes to become an email, on the embedded stack.

    .venv/bin/python bench/registration_path.py [--people 50]

Starts the whole system (processes, databases in memory), creates people, publishes a meeting,
registers everyone one after the other (``--pause`` between them, to see an unloaded
system) and prints: registrations per second over HTTP, and the
time from each registration's HTTP answer to its confirmation email being recorded as sent
(median, 95th percentile, max). Figures on the embedded servers are not MongoDB's or Kafka's.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from aiq_devstack.stack import Stack, StackConfig

DAY = (date.today() + timedelta(days=30)).isoformat()  # a meeting that has not ended


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds between registrations (0: back to back)"
    )
    args = parser.parse_args()
    config = StackConfig.isolated(Path(tempfile.mkdtemp(prefix="aiq-bench-")), "bench", memory=True)
    with Stack(config) as stack, stack.http() as http:
        contacts, events, notifications = (
            stack.url(n) for n in ("contacts", "events", "notifications")
        )
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Bench GmbH", "district": "Hörde"}
        ).json()
        people = [
            http.post(
                f"{contacts}/people",
                json={
                    "first_name": f"P{i}",
                    "last_name": "Bench",
                    "email": f"p{i}@bench.example",
                    "organisation_id": organisation["id"],
                },
            ).json()
            for i in range(args.people)
        ]
        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Bench",
                "starts_at": f"{DAY}T16:00:00",
                "ends_at": f"{DAY}T19:00:00",
                "venue": {"name": "Café Durchblick"},
                "capacity": args.people,
                "districts": ["Hörde"],
            },
        ).json()
        http.post(f"{events}/events/{meeting['id']}/publish").raise_for_status()
        answered: dict[str, float] = {}
        started = time.perf_counter()
        for person in people:
            while True:
                response = http.post(
                    f"{events}/events/{meeting['id']}/registrations",
                    json={"person_id": person["id"]},
                )
                if "unknown person" not in response.text:
                    break
                time.sleep(0.05)
            answered[person["id"]] = time.time()
            time.sleep(args.pause)
        elapsed = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while True:
            sent = [
                d
                for d in http.get(
                    f"{notifications}/deliveries",
                    params={"kind": "confirmation", "state": "sent", "limit": 200},
                ).json()["items"]
            ]
            if len(sent) >= len(people) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        latencies = sorted(
            datetime.fromisoformat(d["sent_at"]).timestamp() - answered[d["person_id"]]
            for d in sent
        )
        # where the time goes: event consumed (delivery created), waiting to be sent, sending
        stages = {"consumed": [], "queued": [], "smtp": []}
        for d in sent:
            at = {h["state"]: datetime.fromisoformat(h["at"]).timestamp() for h in d["history"]}
            stages["consumed"].append(at["pending"] - answered[d["person_id"]])
            stages["queued"].append(at["sending"] - at["pending"])
            stages["smtp"].append(at["sent"] - at["sending"])
    print(f"people: {len(people)}, confirmations sent: {len(sent)}")
    print(f"registrations over HTTP: {len(people) / elapsed:.1f}/s")
    if latencies:
        p95 = latencies[max(int(len(latencies) * 0.95) - 1, 0)]
        median = statistics.median(latencies)
        print(
            f"registration answered -> confirmation sent: median {median * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
        for stage, values in stages.items():
            print(f"  {stage:<9} median {statistics.median(values) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
