"""Seats on the meeting and its waitlist: admitting (confirmed while there is room, waitlisted
after), taking and releasing seats, who moves up when seats come free, move-up offers,
accepting and lapsing. Plain Python, no I/O; :class:`~aiq_events.registrations.rules.Roster`
applies these.

The waitlist is ordered by the number a registration got when it was waitlisted. The earliest
that fits into the free seats moves up: confirmed at once, or (when the meeting says so) offered
the seats for ``move_up_offer_hours``; an offer holds the seats until it is accepted or lapses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration, RegistrationStatus
from aiq_shared.errors import Conflict


def fits(meeting: Meeting, seats: int) -> bool:
    return meeting.seats_taken + seats <= meeting.capacity


def admit(meeting: Meeting, seats: int = 1) -> tuple[RegistrationStatus, Meeting, int | None]:
    """Confirm while there is room, waitlist after: the new status, meeting and waitlist number.

    A group (``seats`` > 1) is confirmed only if all of it fits; it never splits.
    """
    if fits(meeting, seats):
        return "confirmed", take_seats(meeting, seats), None
    position = meeting.waitlist_next
    return "waitlisted", meeting.model_copy(update={"waitlist_next": position + 1}), position


def take_seats(meeting: Meeting, seats: int) -> Meeting:
    """Seats taken, counted even beyond capacity (at the door the person is there)."""
    return meeting.model_copy(update={"seats_taken": meeting.seats_taken + seats})


def release_seat(meeting: Meeting, previous: RegistrationStatus, seats: int = 1) -> Meeting:
    """A cancellation frees seats only if the registration held them."""
    if previous == "confirmed":
        return meeting.model_copy(update={"seats_taken": max(meeting.seats_taken - seats, 0)})
    return meeting


def next_to_move_up(meeting: Meeting, waitlisted: Sequence[Registration]) -> Registration | None:
    """The earliest waitlisted registration that fits into the free seats.

    A group that does not fit waits; a smaller registration behind it may move up meanwhile
    (the seats would otherwise stay empty).
    """
    for candidate in sorted(waitlisted, key=lambda r: r.waitlist_seq or 0):
        if fits(meeting, candidate.seats):
            return candidate
    return None


def waiting(registrations: Iterable[Registration]) -> list[Registration]:
    """Waitlisted and not offered seats (an open offer holds seats already)."""
    return [r for r in registrations if r.status == "waitlisted" and r.offer_expires_at is None]


def position_of_next(registrations: Iterable[Registration]) -> int:
    """Where a registration joining the waitlist now stands in it (offers still count)."""
    return sum(r.status == "waitlisted" for r in registrations) + 1


def offer(registration: Registration, meeting: Meeting, now: datetime) -> Registration:
    hours = timedelta(hours=meeting.move_up_offer_hours or 0)
    return registration.model_copy(update={"offer_expires_at": now + hours, "updated_at": now})


def promote(registration: Registration, now: datetime) -> Registration:
    """Off the waitlist: confirmed (seats at topic tables are for the roster to find)."""
    return registration.model_copy(
        update={
            "status": "confirmed",
            "waitlist_seq": None,
            "offer_expires_at": None,
            "updated_at": now,
        }
    )


def check_offer_open(registration: Registration, now: datetime) -> None:
    if registration.status != "waitlisted" or registration.offer_expires_at is None:
        raise Conflict("there is no open offer for this registration", reason="no_offer")
    if registration.offer_expires_at <= now:
        raise Conflict("the offer has expired", reason="offer_expired")


def has_lapsed(registration: Registration, now: datetime) -> bool:
    """An offer not accepted in time (accepted or cancelled meanwhile: not lapsed)."""
    offer_until = registration.offer_expires_at
    return registration.status == "waitlisted" and offer_until is not None and offer_until <= now
