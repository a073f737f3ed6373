"""The personal-link pages' rules: what a posted form asks (:func:`decide`), where the invitee
stands, a teacher's group form, what the page says afterwards. Plain Python, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from aiq_events.directory.rules import Participant
from aiq_events.invitations.schemas import Invitation
from aiq_events.meetings.rules import deadline_passed
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import (
    MAX_UNNAMED,
    GroupRegistrationCreate,
    Registration,
)
from aiq_shared.dates import clock_time, german_datetime, in_berlin
from aiq_shared.errors import DomainError, Unprocessable

Form = Mapping[str, list[str]]
State = Literal["open", "declined", "confirmed", "waitlisted", "offered"]
OPEN = ("open", "declined")  # not registered (any more): may register
ActionKind = Literal["register", "register_group", "change", "cancel", "accept"]


class FormProblem(DomainError):
    status = 422
    title = "Unprocessable form"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, reason=reason)


def first(form: Form, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()[:500]


# -- where the invitee stands ------------------------------------------------------------------


def state_of(invitation: Invitation, registration: Registration | None) -> State:
    if registration is not None and registration.status != "cancelled":
        return "offered" if registration.offer_expires_at is not None else registration.status
    if invitation.declined_at is not None:
        return "declined"  # may still register, having changed their mind
    return "open"


def registration_open(meeting: Meeting, now: datetime) -> bool:
    return meeting.status == "published" and not deadline_passed(meeting, now)


def notice(meeting: Meeting, state: State, now: datetime) -> str | None:
    """Why the page cannot take a registration, before anything is asked (a refusal reason)."""
    if meeting.status == "cancelled":
        return "cancelled"
    if meeting.status == "published" and not registration_open(meeting, now) and state in OPEN:
        return "deadline_passed"
    return None


def chosen(
    meeting: Meeting, registration: Registration | None, state: State
) -> dict[str, int] | list[str]:
    """The tables the registration chose (choose) or its ranking by table (rank)."""
    wishes = registration.topic_table_ids if registration and state not in OPEN else []
    if meeting.table_selection == "rank":
        return {table_id: n for n, table_id in enumerate(wishes, start=1)}
    return list(wishes)


def agenda_lines(meeting: Meeting) -> list[tuple[str | None, str]]:
    """The programme as (time, title): "16:15 Uhr" on the meeting's day, with the date on
    another day, None where no time is given."""
    day = in_berlin(meeting.starts_at).date()
    lines = []
    for item in meeting.agenda:
        at = None
        if item.starts_at is not None:
            same_day = in_berlin(item.starts_at).date() == day
            at = (
                f"{clock_time(item.starts_at)} Uhr" if same_day else german_datetime(item.starts_at)
            )
        lines.append((at, item.title))
    return lines


# -- what the form asks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing the page does: ``registration_id`` is the person's active registration
    (cancel, accept, change), ``topic_table_ids`` the tables chosen or ranked."""

    kind: ActionKind
    registration_id: str | None = None
    topic_table_ids: list[str] = field(default_factory=list)


def decide(meeting: Meeting, registration: Registration | None, form: Form) -> Action:
    """What the posted form asks, given the person's current registration: register (also a
    "change" of someone no longer registered), a group, change tables, cancel or accept."""
    asked = first(form, "action") or "register"
    active = (
        registration if registration is not None and registration.status != "cancelled" else None
    )
    if asked == "cancel":
        if active is None:
            raise FormProblem("cancelled_already")
        return Action("cancel", active.id)
    if asked == "accept":
        if active is None:
            raise FormProblem("no_offer")
        return Action("accept", active.id)
    if asked == "change" and active is not None:
        return Action("change", active.id, choice(meeting, form))
    if asked == "register_group":
        return Action("register_group", None, choice(meeting, form))
    if asked in ("register", "change"):
        return Action("register", None, choice(meeting, form))
    raise FormProblem("unknown_action")


def choice(meeting: Meeting, form: Form) -> list[str]:
    """The chosen tables (choose) or the ranking (rank) from the form."""
    if meeting.table_selection != "rank":
        return [t for t in form.get("table", []) if t][:20]
    ranks: list[tuple[int, str]] = []
    for table in meeting.topic_tables:
        value = first(form, f"rank_{table.id}")
        if value:
            if not value.isdigit():
                raise FormProblem("table_twice")
            ranks.append((int(value), table.id))
    if len({rank for rank, _ in ranks}) != len(ranks):
        raise FormProblem("table_twice")
    return [table_id for _, table_id in sorted(ranks)]


def group_from_form(
    teacher: Participant | None, allowed: set[str], form: Form, tables: list[str]
) -> GroupRegistrationCreate:
    """A teacher's school group from the page's group form: students the teacher may name
    (``allowed``: of their school, not registered yet), more counted without names."""
    if teacher is None:
        raise Unprocessable("only a teacher registers a group", reason="not_a_teacher")
    named = list(dict.fromkeys(v for v in form.get("student", []) if v))
    if len(named) > MAX_UNNAMED:
        raise Unprocessable("too many students", reason="group_size")
    if not set(named) <= allowed:
        raise Unprocessable("a student the teacher cannot name", reason="unknown_student")
    unnamed = ((form.get("unnamed_students") or [""])[0].strip() or "0")[:3]
    if not unnamed.isdigit() or int(unnamed) > MAX_UNNAMED:
        raise Unprocessable("unnamed_students must be 0 to 60", reason="group_size")
    return GroupRegistrationCreate(
        teacher_person_id=teacher.id,
        student_person_ids=named,
        unnamed_students=int(unnamed),
        topic_table_ids=tables,
    )


def done(meeting: Meeting, registration: Registration, kind: ActionKind) -> tuple[str, list[str]]:
    """What the page says after the action: the message, and details per table."""
    if kind == "cancel":
        return "Ihre Anmeldung ist storniert. Schade, dass Sie nicht kommen können.", []
    details = [
        f"An „{table.title}“ ist kein Platz mehr frei: Sie stehen dort auf der Warteliste."
        for s in registration.table_seats
        if s.status == "waitlisted" and (table := meeting.table(s.topic_table_id))
    ]
    if registration.status == "waitlisted":
        return (
            "Das Treffen ist leider voll. Sie stehen auf der Warteliste; wir schreiben Ihnen, "
            "sobald ein Platz frei wird.",
            details,
        )
    if kind == "change":
        return "Ihre Auswahl ist gespeichert.", details
    if kind == "accept":
        return "Sie haben den Platz angenommen. Wir freuen uns auf Sie!", details
    return "Sie sind angemeldet. Wir freuen uns auf Sie! Die Bestätigung kommt per E-Mail.", details


# -- the decline page ------------------------------------------------------------------------------


def registered(meeting: Meeting, registration: Registration | None) -> bool:
    """Registered for a meeting that is on: asked to cancel rather than to decline."""
    return (
        registration is not None
        and registration.status != "cancelled"
        and meeting.status == "published"
    )


def decline_state(
    meeting: Meeting, invitation: Invitation, registration: Registration | None
) -> str:
    """What the decline page says before anything is done."""
    if meeting.status in ("cancelled", "closed"):
        return meeting.status
    if registration is not None and registration.status != "cancelled":
        return "registered_decline"
    return "declined_before" if invitation.declined_at else "ask"
