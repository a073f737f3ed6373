"""Seating at topic tables: who sits where, who waits for which table. Plain Python, no I/O.

Two ways a meeting fills its tables (``Meeting.table_selection``):

* ``choose``: a registration picks tables and holds a seat at each while there is room; at a
  full table it joins that table's waitlist (round 1; people move freely between tables anyway).
* ``rank``: a registration ranks tables; :func:`assign` places every confirmed registration,
  in registration order, at its first ranked table with room, once per round, never at the
  same table twice, and says why. Late registrations are placed the same way on arrival.

Only confirmed registrations hold seats; a group's registration holds ``seats`` seats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration, TableSeat
from aiq_shared.contracts.registrations import TableSeatSnapshot

Occupancy = Counter[tuple[str, int]]


def occupancy(registrations: Iterable[Registration], *, skip: str | None = None) -> Occupancy:
    """Seats taken per (table, round) by confirmed registrations (except ``skip``)."""
    taken: Occupancy = Counter()
    for registration in registrations:
        if registration.status != "confirmed" or registration.id == skip:
            continue
        for seat in registration.table_seats:
            if seat.status == "seated":
                taken[(seat.topic_table_id, seat.round)] += registration.seats
    return taken


def _has_room(meeting: Meeting, taken: Occupancy, table_id: str, round_: int, seats: int) -> bool:
    table = meeting.table(table_id)
    return table is not None and taken[(table_id, round_)] + seats <= table.capacity


def _title(meeting: Meeting, table_id: str) -> str:
    table = meeting.table(table_id)
    return f"„{table.title}“" if table else table_id


def choose(
    meeting: Meeting,
    registration: Registration,
    wanted: Sequence[str],
    taken: Occupancy,
    next_seq: int,
) -> tuple[list[TableSeat], int]:
    """Seats for directly chosen tables; tables already held stay held. Returns the next
    waitlist number."""
    held = {s.topic_table_id: s for s in registration.table_seats}
    seats: list[TableSeat] = []
    for table_id in wanted:
        if table_id in held:
            seats.append(held[table_id])
            continue
        if _has_room(meeting, taken, table_id, 1, registration.seats):
            taken[(table_id, 1)] += registration.seats
            seats.append(
                TableSeat(
                    topic_table_id=table_id,
                    status="seated",
                    explanation=f"Platz an {_title(meeting, table_id)}",
                )
            )
        else:
            seats.append(
                TableSeat(
                    topic_table_id=table_id,
                    status="waitlisted",
                    waitlist_seq=next_seq,
                    explanation=f"{_title(meeting, table_id)} ist voll: Warteliste",
                )
            )
            next_seq += 1
    return seats, next_seq


def place(
    meeting: Meeting, registration: Registration, taken: Occupancy, seq: int
) -> list[TableSeat]:
    """One ranked registration, round by round: first ranked table with room (and not
    already had in an earlier round); else the line of the first ranked table still open
    to it. ``taken`` is updated."""
    ranking = registration.topic_table_ids
    seats: list[TableSeat] = []
    if not ranking:
        return seats
    used: set[str] = set()
    for round_ in range(1, meeting.round_count + 1):
        candidates = [t for t in ranking if t not in used]
        if not candidates:
            break
        full: list[str] = []
        for table_id in candidates:
            if _has_room(meeting, taken, table_id, round_, registration.seats):
                taken[(table_id, round_)] += registration.seats
                used.add(table_id)
                rank = ranking.index(table_id) + 1
                why = f"Runde {round_}: {rank}. Wahl {_title(meeting, table_id)}"
                if full:
                    why += " (voll: " + ", ".join(_title(meeting, t) for t in full) + ")"
                seats.append(
                    TableSeat(
                        topic_table_id=table_id, round=round_, status="seated", explanation=why
                    )
                )
                break
            full.append(table_id)
        else:
            first = candidates[0]
            used.add(first)
            seats.append(
                TableSeat(
                    topic_table_id=first,
                    round=round_,
                    status="waitlisted",
                    waitlist_seq=seq,
                    explanation=f"Runde {round_}: alle gewählten Tische voll; Warteliste an "
                    f"{_title(meeting, first)}",
                )
            )
    return seats


def assign(meeting: Meeting, registrations: Sequence[Registration]) -> dict[str, list[TableSeat]]:
    """The deterministic assignment step: confirmed registrations in registration order (ids
    sort by creation), each placed by :func:`place`. Same input, same result."""
    taken: Occupancy = Counter()
    result: dict[str, list[TableSeat]] = {}
    confirmed = sorted(
        (r for r in registrations if r.status == "confirmed"), key=lambda r: (r.created_at, r.id)
    )
    for order, registration in enumerate(confirmed, start=1):
        result[registration.id] = place(meeting, registration, taken, order)
    return result


def next_at_table(
    meeting: Meeting,
    registrations: Sequence[Registration],
    table_id: str,
    round_: int,
) -> Registration | None:
    """The first in a table's line (lowest waitlist number) who now fits, if any."""
    taken = occupancy(registrations)
    waiting = [
        (seat.waitlist_seq or 0, registration)
        for registration in registrations
        if registration.status == "confirmed"
        for seat in registration.table_seats
        if seat.topic_table_id == table_id and seat.round == round_ and seat.status == "waitlisted"
    ]
    for _, registration in sorted(waiting, key=lambda item: item[0]):
        if _has_room(meeting, taken, table_id, round_, registration.seats):
            return registration
    return None


def seat(
    meeting: Meeting, registrations: Sequence[Registration], registration: Registration
) -> tuple[Meeting, Registration]:
    """Topic-table seats for a confirmed registration (its wishes kept as they are), among the
    seats the others hold; the meeting hands out the numbers of the tables' lines."""
    if not registration.topic_table_ids or not meeting.topic_tables:
        return meeting, registration
    taken = occupancy(registrations, skip=registration.id)
    if meeting.table_selection == "choose":
        seats, next_seq = choose(
            meeting, registration, registration.topic_table_ids, taken, meeting.waitlist_next
        )
    elif meeting.tables_assigned:  # a late one is placed as the assignment step would
        unplaced = registration.model_copy(update={"table_seats": []})
        seats = place(meeting, unplaced, taken, meeting.waitlist_next)
        next_seq = meeting.waitlist_next + 1
    else:
        return meeting, registration  # placed by the assignment step
    meeting = meeting.model_copy(update={"waitlist_next": next_seq})
    return meeting, registration.model_copy(update={"table_seats": seats})


def pass_on(
    meeting: Meeting,
    registrations: Sequence[Registration],
    before: Registration,
    after: Registration,
) -> list[Registration]:
    """The seats ``after`` (the registration as it is now, in ``registrations``) gave up, each
    to the first in that table's line: who moved up, each once, with all their seats now."""
    everyone = {r.id: r for r in registrations}
    moved: dict[str, Registration] = {}
    for table_id, round_ in freed(before, after):
        moving = next_at_table(meeting, list(everyone.values()), table_id, round_)
        if moving is not None:
            everyone[moving.id] = moved[moving.id] = seat_at(moving, table_id, round_)
    return list(moved.values())


def fill_lines(meeting: Meeting, registrations: Sequence[Registration]) -> list[Registration]:
    """Every table's line moved up into the room there is (a table made larger): who moved,
    each once, with all their seats now."""
    everyone = {r.id: r for r in registrations}
    moved: dict[str, Registration] = {}
    for table in meeting.topic_tables:
        for round_ in range(1, meeting.round_count + 1):
            while (
                moving := next_at_table(meeting, list(everyone.values()), table.id, round_)
            ) is not None:
                everyone[moving.id] = moved[moving.id] = seat_at(moving, table.id, round_)
    return list(moved.values())


def seat_at(registration: Registration, table_id: str, round_: int) -> Registration:
    seats = [
        s.model_copy(
            update={
                "status": "seated",
                "waitlist_seq": None,
                "explanation": f"Runde {round_}: von der Warteliste nachgerückt",
            }
        )
        if s.topic_table_id == table_id and s.round == round_
        else s
        for s in registration.table_seats
    ]
    return registration.model_copy(update={"table_seats": seats})


def freed(before: Registration, after: Registration) -> list[tuple[str, int]]:
    """(table, round) seats ``before`` held that ``after`` no longer holds."""
    kept = (
        {(s.topic_table_id, s.round) for s in after.table_seats if s.status == "seated"}
        if after.status == "confirmed"
        else set()
    )
    return [
        (s.topic_table_id, s.round)
        for s in before.table_seats
        if s.status == "seated" and (s.topic_table_id, s.round) not in kept
    ]


def seats_of(registration: Registration) -> list[TableSeatSnapshot]:
    """Where the registration sits (``seated``) or waits (``waitlisted``), per round."""
    return [
        TableSeatSnapshot(topic_table_id=s.topic_table_id, round=s.round, status=s.status)
        for s in registration.table_seats
    ]


def tables_changed(before: Registration, after: Registration) -> bool:
    """Whether the wishes or the seats differ (an explanation alone is no change)."""
    return before.topic_table_ids != after.topic_table_ids or seats_of(before) != seats_of(after)


def taken_in_first_round(registrations: Iterable[Registration]) -> dict[str, int]:
    """Seats taken per topic table in the first round (what the RSVP page shows)."""
    return {table: n for (table, round_), n in occupancy(registrations).items() if round_ == 1}
