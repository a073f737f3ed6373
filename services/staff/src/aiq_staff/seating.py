"""Who sits where (pure): the waitlist in order and the registrations per table and round."""

from __future__ import annotations


def waitlist(registrations: list[dict]) -> list[dict]:
    waiting = [r for r in registrations if r["status"] == "waitlisted"]
    return sorted(waiting, key=lambda r: (r.get("waitlist_seq") is None, r.get("waitlist_seq")))


def per_table(meeting: dict, registrations: list[dict]) -> list[dict]:
    """Per topic table and round: the seated (with their seats) and the waiting, in line."""
    rounds = meeting.get("rounds") or [{"title": "Runde 1"}]
    result = []
    for table in meeting.get("topic_tables") or []:
        for number, round_ in enumerate(rounds, start=1):  # rounds count from 1
            seated, waiting = [], []
            for registration in registrations:
                if registration["status"] != "confirmed":
                    continue
                for seat in registration.get("table_seats") or []:
                    if seat["topic_table_id"] != table["id"] or seat.get("round", 1) != number:
                        continue
                    entry = {"registration": registration, "seat": seat}
                    (seated if seat["status"] == "seated" else waiting).append(entry)
            waiting.sort(key=lambda e: e["seat"].get("waitlist_seq") or 0)
            taken = sum(e["registration"].get("seats", 1) for e in seated)
            result.append(
                {
                    "table": table,
                    "round": number,
                    "round_title": round_.get("title"),
                    "seated": seated,
                    "waiting": waiting,
                    "taken": taken,
                }
            )
    return result
