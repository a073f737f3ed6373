"""Crashes during a campaign and a stream of registrations (issue 13 b, c and e).

Two notifications replicas side by side (one database, one consumer group, one shared send
rate). A meeting is published to 60 people (a campaign of invitations) and the same people
register one after another (a confirmation each). Meanwhile:

1. replica 1 is SIGKILLed mid-campaign and started again;
2. replica 2 is SIGKILLed mid-stream and started again;
3. the events service's MongoDB is SIGKILLed and started again on the same file: reads
   meanwhile answer 503 with ``Retry-After`` (never 500; an invitee's page in the browser a
   German page), a registration waits inside its transaction's retries and then succeeds
   (a client that does hear 503 tries again with the same ``Idempotency-Key``);
4. replica 1 is SIGKILLed once more and started again.

Then every person has exactly one invitation, every accepted registration is in the events
database and confirmed by one email; a kill may resend at most the one email in flight
(ARCHITECTURE: "A crash may resend at most the one email in flight, never a whole batch"):
duplicates <= 3. Printed: accepted / confirmed / duplicates / lost.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from aiq_devstack.stack import Stack, StackConfig
from helpers import local, logs_of, mails, nothing_in_flight, upcoming, wait_for

# invited, and registering one after another: 120 emails, as many as the embedded servers
# send in the time this test may take on a busy CI machine (about one a second there);
# AIQ_FAULT_PEOPLE sets another number (hundreds take many minutes on the embedded servers)
PEOPLE = int(os.environ.get("AIQ_FAULT_PEOPLE", "60"))
NOTIFICATIONS_KILLS = 3
DATABASE_DOWN_S = 4.0  # how long the events database stays away
# the stack (~20 s), the people, the campaign and the stream with four kills, the last emails
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120 + PEOPLE * 6)]

CONFIRMED = "Anmeldung bestätigt"


def test_every_email_goes_out_once_across_kills_of_replicas_and_the_events_database(
    tmp_path,
) -> None:
    config = StackConfig.isolated(
        tmp_path,
        "crash",
        memory=True,
        on_disk=frozenset({"events"}),  # killed and started again: it keeps what it had
        extra_env={
            "AIQ_NOTIFICATIONS_SMTP_TIMEOUT_S": "2",  # a dead sender's claim expires in 6 s
            "AIQ_NOTIFICATIONS_SEND_RATE_PER_MINUTE": "1200",  # both replicas together
            "AIQ_NOTIFICATIONS_SENDER_POLL_INTERVAL_S": "0.2",
        },
    )
    stack = Stack(config)
    stack.start()
    try:
        replicas = ["notifications", stack.add_replica("notifications")]
        stack.wait_ready(60)
        http = stack.http(timeout=30)
        contacts, events = stack.url("contacts"), stack.url("events")
        people = _people(http, contacts)
        starts, ends = upcoming()
        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Netzwerktreffen Eving",
                "starts_at": local(starts),
                "ends_at": local(ends),
                "venue": {"name": "Café Durchblick"},
                "capacity": PEOPLE,
                "districts": ["Eving"],
            },
        ).json()

        def caught_up() -> bool:  # events (whom to invite) and notifications know everyone
            preview = http.post(
                f"{events}/events/{meeting['id']}/invitations/preview", json={}
            ).json()
            return preview.get("eligible") == PEOPLE and _quiet(http, stack, replicas)

        wait_for(caught_up, timeout=90)
        # it writes an invitation to everyone: longer than 30 s with hundreds on a busy machine
        http.post(f"{events}/events/{meeting['id']}/publish", timeout=120).raise_for_status()

        stream = Registrations(http, f"{events}/events/{meeting['id']}/registrations", people)
        stream.start()

        def campaign() -> dict:  # from whichever replica is up
            for name in replicas:
                with contextlib.suppress(httpx.TransportError):
                    items = http.get(
                        f"{stack.url(name)}/campaigns", params={"event_id": meeting["id"]}
                    ).json()["items"]
                    return items[0] if items else {"sent": 0, "done": False}
            raise AssertionError("no notifications replica answers")

        # 1. replica 1 mid-campaign
        wait_for(lambda: PEOPLE // 6 <= campaign()["sent"] < PEOPLE, 60, interval=0.05)
        stack.kill(replicas[0])
        sent_at_first_kill = campaign()["sent"]
        assert sent_at_first_kill < PEOPLE, "the crash came too late to prove anything"
        stack.start_again(replicas[0])
        # 2. replica 2 mid-stream
        wait_for(lambda: len(stream.accepted) >= PEOPLE // 4, 90, interval=0.05)
        stack.kill(replicas[1])
        stack.start_again(replicas[1])
        # 3. the events database
        wait_for(lambda: len(stream.accepted) >= PEOPLE // 2, 90, interval=0.05)
        acknowledged_before = set(stream.accepted)
        rsvp_page = _rsvp_link(stack)  # an invitee's own page (public, no account)
        stack.kill("mongo-events")
        outage = _answers_while_down(http, events, meeting["id"], rsvp_page)
        stack.start_again("mongo-events")
        # 4. replica 1 again
        wait_for(lambda: len(stream.accepted) >= PEOPLE * 3 // 4, 90, interval=0.05)
        stack.kill(replicas[0])
        stack.start_again(replicas[0])

        stream.join(timeout=120)
        assert not stream.is_alive(), "the registrations did not get through"
        stack.wait_ready(60)

        addresses = {person_id: address for address, person_id in people.items()}
        invited = set(people)
        accepted = {addresses[p] for p in stream.accepted}

        def emails(subject: str) -> collections.Counter:
            return collections.Counter(
                m["To"].addresses[0].addr_spec
                for m in mails(stack.mail_dir)
                if m["Subject"].startswith(subject)
            )

        def all_out() -> bool:
            confirmations, invitations = emails(CONFIRMED), emails("Einladung")
            return (
                accepted <= set(confirmations)
                and invited <= set(invitations)
                and _quiet(http, stack, replicas)
            )

        try:
            wait_for(all_out, timeout=120, interval=1)
        finally:
            confirmations, invitations = emails(CONFIRMED), emails("Einladung")
            duplicates = sum(n - 1 for n in [*confirmations.values(), *invitations.values()])
            lost = (accepted - set(confirmations)) | (invited - set(invitations))
            print(
                f"\n{len(replicas)} notifications replicas, killed {NOTIFICATIONS_KILLS} times "
                f"(the first at {sent_at_first_kill} of {PEOPLE} invitations sent), the events "
                f"database killed for {DATABASE_DOWN_S:.0f} s: accepted {len(accepted)}, "
                f"confirmed {len(accepted & set(confirmations))}, invited "
                f"{len(invited & set(invitations))} of {PEOPLE}, duplicates {duplicates}, "
                f"lost {len(lost)}; answers while the database was down: {outage}; "
                f"refused and retried: {collections.Counter(stream.refused)}"
            )
        assert not lost and duplicates <= NOTIFICATIONS_KILLS
        assert len(accepted) == PEOPLE  # every registration got through in the end
        assert not {s for s in stream.refused if s != 503}, stream.refused  # never a 500
        assert len(outage) == 4 and all(": 503 Retry-After" in a for a in outage), outage
        assert outage[-1].endswith("text/html"), outage  # the invitee sees a page, not JSON
        stored_people = _registered(http, f"{events}/events/{meeting['id']}/registrations")
        assert acknowledged_before <= stored_people  # acknowledged before the kill: kept
        assert stored_people == set(stream.accepted)
        final = campaign()
        assert final["done"] and final["sent"] == PEOPLE and final["failed"] == 0
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()


class Registrations(threading.Thread):
    """Registers the people one after another, as a client should: an answer 503 is tried
    again after ``Retry-After`` (at most a second here) with the same ``Idempotency-Key``, so
    a registration written just before the answer was lost is not made twice."""

    def __init__(self, http: httpx.Client, url: str, people: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self._http, self._url = http, url
        self._people = list(people.values())
        self.accepted: list[str] = []
        self.refused: list[int | str] = []  # status codes (or the exception) of the retries

    def run(self) -> None:
        for person_id in self._people:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    response = self._http.post(
                        self._url,
                        json={"person_id": person_id},
                        headers={"Idempotency-Key": f"register-{person_id}"},
                    )
                except httpx.HTTPError as error:
                    self.refused.append(type(error).__name__)
                    time.sleep(0.5)
                    continue
                if response.status_code == 201:
                    self.accepted.append(person_id)
                    break
                self.refused.append(response.status_code)
                time.sleep(min(float(response.headers.get("Retry-After", "1")), 1.0))
            time.sleep(0.4)  # a stream, spread over the faults (not a flood)


def _people(http: httpx.Client, contacts: str) -> dict[str, str]:
    """PEOPLE people with email consent in Eving: address -> person id."""
    organisation = http.post(
        f"{contacts}/organisations", json={"name": "Logistik am Hafen", "district": "Eving"}
    ).json()

    def person(i: int) -> tuple[str, str]:
        address = f"person{i}@hafen.example"
        response = http.post(
            f"{contacts}/people",
            json={
                "first_name": f"Person{i}",
                "last_name": "Eving",
                "email": address,
                "organisation_id": organisation["id"],
                "email_consent": True,
            },
        )
        response.raise_for_status()
        return address, response.json()["id"]

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(person, range(PEOPLE)))


def _quiet(http: httpx.Client, stack: Stack, replicas: list[str]) -> bool:
    """Nothing in flight: no outbox record, consumer lag or email waiting, on any replica."""
    for name in ["events", *replicas]:
        try:
            checks = http.get(f"{stack.url(name)}/ready").json()["checks"]
        except (httpx.HTTPError, KeyError, ValueError):
            return False
        if not nothing_in_flight(checks):
            return False
    return True


def _registered(http: httpx.Client, url: str) -> set[str]:
    """The people registered for the meeting, as the events database has them (every page)."""
    found: set[str] = set()
    cursor = None
    while True:
        page = http.get(url, params={"limit": 200, **({"cursor": cursor} if cursor else {})})
        found |= {r["person_id"] for r in page.json()["items"]}
        if not (cursor := page.json().get("next_cursor")):
            return found


def _rsvp_link(stack: Stack) -> str:
    """The personal link in the first invitation that went out."""
    invitation = next(m for m in mails(stack.mail_dir) if m["Subject"].startswith("Einladung"))
    text = invitation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(r"\S+/rsvp/[\w.-]+", text)[0]


def _answers_while_down(
    http: httpx.Client, events: str, meeting_id: str, rsvp_page: str
) -> list[str]:
    """The events service's answers on some routes while its database is away (at least
    DATABASE_DOWN_S; a request may wait for the server selection's 5 s): each route's status
    and whether it says when to try again. Writes are not among them: a registration waits
    for the database inside its transaction's retries (up to 30 s) and then succeeds."""
    routes = [
        f"{events}/events",
        f"{events}/events/{meeting_id}",
        f"{events}/events/{meeting_id}/registrations",
        rsvp_page,
    ]

    def answer(url: str) -> str:
        page = "/rsvp/" in url  # opened in a browser, from the invitation
        response = http.get(url, headers={"Accept": "text/html,*/*;q=0.8"} if page else {})
        retry = " Retry-After" * ("Retry-After" in response.headers)
        kind = response.headers.get("content-type", "").split(";")[0]
        route = re.sub(r"/rsvp/.+", "/rsvp/<token>", url.removeprefix(events))
        return f"{route}: {response.status_code}{retry} {kind}"

    down_until = time.monotonic() + DATABASE_DOWN_S
    with ThreadPoolExecutor(len(routes)) as pool:
        answers = list(pool.map(answer, routes))
    time.sleep(max(down_until - time.monotonic(), 0))  # the outage lasts this long
    return answers
