"""The contact history's rules: the districts an entry belongs to, follow-ups, a
registration's attendance as its events arrive (late ones too), where an organisation stands
with a meeting, a meeting's outcome as history, entries with names, and the events that
announce entries. Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aiq_contacts.history.schemas import (
    Attendance,
    AttendanceStep,
    FollowUp,
    FollowUpItem,
    Interaction,
    InteractionItem,
    MeetingAttendance,
    PersonAttendance,
)
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.people.schemas import Person
from aiq_shared.contracts.contacts import FollowUpSnapshot, InteractionRecordedV1
from aiq_shared.contracts.meetings import MeetingOutcomeRecordedV1
from aiq_shared.contracts.registrations import RegistrationSnapshot
from aiq_shared.errors import Unprocessable


def entry_districts(
    organisation: Organisation | None, person: Person | None, fallback: str | None = None
) -> list[str]:
    """Where a history entry (an interaction, a follow-up) is visible: an entry about an
    organisation belongs to the organisation's district (a company visit is the district's
    business, whoever the contact was); one only about a person, to the districts the person
    is visible in; one about neither known here (a walk-in without a record), to
    ``fallback`` (the district its event names)."""
    if organisation is not None:
        return [organisation.district]
    if person is not None:
        return list(person.districts or [person.district])
    return [fallback] if fallback else []


def organisation_for_entry(
    person: Person, visible: Mapping[str, Organisation]
) -> Organisation | None:
    """The organisation an entry recorded on a person is about: the first of theirs the
    caller may see (``visible``), so the entry stays visible to her; none if she sees none."""
    for membership in person.memberships:
        if membership.organisation_id in visible:
            return visible[membership.organisation_id]
    return None


def display_name(person: Person) -> str:
    return " ".join(part for part in (person.first_name, person.last_name) if part)


def with_names[E: (FollowUpItem, InteractionItem)](
    item: type[E],
    entries: Sequence[Interaction | FollowUp],
    organisations: Mapping[str, Organisation],
    people: Mapping[str, Person],
) -> list[E]:
    """Entries with the names of their organisation and person (``organisations`` and
    ``people``: those the caller may see; others stay unnamed)."""
    named = []
    for entry in entries:
        organisation = organisations.get(entry.organisation_id or "")
        person = people.get(entry.person_id or "")
        named.append(
            item(
                **entry.model_dump(),
                organisation_name=organisation.name if organisation else None,
                person_name=display_name(person) if person else None,
            )
        )
    return named


def require_subject(organisation_id: str | None, person_id: str | None) -> None:
    if organisation_id is None and person_id is None:
        raise Unprocessable("a follow-up is about an organisation or a person (or both)")


def mark_done(follow_up: FollowUp, at: datetime) -> FollowUp:
    if follow_up.status == "done":
        return follow_up
    return follow_up.model_copy(update={"status": "done", "done_at": at})


# -- meetings --------------------------------------------------------------------------------


def attendance_after(current: Attendance | None, change: Attendance) -> Attendance:
    """The latest state counts; but events about a registration may arrive late: a check-in
    or no-show is not undone by a late 'registered', 'waitlisted' or 'moved_up'."""
    if change in ("registered", "waitlisted", "moved_up") and current in ("checked_in", "no_show"):
        return current
    return change


def attendance_entry(
    existing: Interaction | None,
    attendance: Attendance,
    event: RegistrationSnapshot,
    at: datetime,
    new_id: str,
    districts: list[str],
) -> Interaction:
    """A registration's one history entry after one of its events: the current state and
    every step to it (``existing``: the entry so far, if any), in ``districts``."""
    step = AttendanceStep(attendance=attendance, at=at, reason=getattr(event, "reason", None))
    return Interaction(
        id=existing.id if existing else new_id,
        kind="meeting_attendance",
        organisation_id=event.organisation_id,
        person_id=event.person_id,
        occurred_at=event.meeting.starts_at,
        meeting_id=event.meeting.meeting_id,
        meeting_title=event.meeting.title,
        attendance=attendance_after(existing.attendance if existing else None, attendance),
        steps=[*(existing.steps if existing else []), step],
        source_id=event.registration_id,
        districts=districts,
    )


def outcome_entry(
    event: MeetingOutcomeRecordedV1, person_id: str | None, new_id: str, districts: list[str]
) -> Interaction:
    """A meeting's outcome as a note in the history (``person_id``: None once they were
    erased), in ``districts``."""
    return Interaction(
        id=new_id,
        kind="meeting_outcome",
        organisation_id=event.organisation_id,
        person_id=person_id,
        text=event.note,
        occurred_at=event.recorded_at,
        author=event.recorded_by,
        meeting_id=event.meeting_id,
        meeting_title=event.meeting_title,
        attendance=None
        if event.attended is None
        else "checked_in"
        if event.attended
        else "no_show",
        source_id=event.outcome_id,
        districts=districts,
    )


def outcome_follow_ups(
    event: MeetingOutcomeRecordedV1,
    person_id: str | None,
    new_ids: list[str],
    at: datetime,
    districts: list[str],
) -> list[FollowUp]:
    """A follow-up per item of an outcome, owned by its owner, else by whoever recorded it."""
    return [
        FollowUp(
            id=follow_up_id,
            kind=item.kind,
            title=item.title,
            due=item.due,
            owner=item.owner or event.recorded_by,
            organisation_id=event.organisation_id,
            person_id=person_id,
            created_at=at,
            meeting_id=event.meeting_id,
            districts=districts,
        )
        for item, follow_up_id in zip(event.follow_ups, new_ids, strict=True)
    ]


# How far along a registration got: an organisation whose people registered for one meeting
# stands where the furthest of them does (someone came; else someone has a seat; ...).
_FURTHEST = ("checked_in", "registered", "moved_up", "waitlisted", "no_show", "cancelled")


def by_meeting(entries: list[Interaction]) -> list[MeetingAttendance]:
    """Attendance entries (one per registration) grouped per meeting, the latest meeting first."""
    meetings: dict[str, list[Interaction]] = {}
    for entry in entries:
        if entry.kind == "meeting_attendance" and entry.meeting_id:
            meetings.setdefault(entry.meeting_id, []).append(entry)
    result = [
        MeetingAttendance(
            meeting_id=meeting_id,
            meeting_title=group[-1].meeting_title,
            starts_at=group[-1].occurred_at,
            attendance=_furthest([e.attendance for e in group]),
            people=[
                PersonAttendance(
                    person_id=e.person_id,
                    registration_id=e.source_id,
                    attendance=e.attendance,
                    steps=e.steps,
                )
                for e in group
            ],
        )
        for meeting_id, group in meetings.items()
    ]
    return sorted(result, key=lambda m: m.starts_at, reverse=True)


def _furthest(states: list[Attendance | None]) -> Attendance | None:
    known = [s for s in states if s is not None]
    return min(known, key=_FURTHEST.index) if known else None


# -- events ----------------------------------------------------------------------------------


def interaction_recorded(interaction: Interaction) -> InteractionRecordedV1:
    return InteractionRecordedV1(
        interaction_id=interaction.id,
        kind=interaction.kind,
        organisation_id=interaction.organisation_id,
        person_id=interaction.person_id,
        occurred_at=interaction.occurred_at,
        author=interaction.author,
        meeting_id=interaction.meeting_id,
    )


def follow_up_event(contract: type[FollowUpSnapshot], follow_up: FollowUp) -> FollowUpSnapshot:
    return contract(
        follow_up_id=follow_up.id,
        kind=follow_up.kind,
        title=follow_up.title,
        status=follow_up.status,
        due=follow_up.due,
        owner=follow_up.owner,
        organisation_id=follow_up.organisation_id,
        person_id=follow_up.person_id,
        meeting_id=follow_up.meeting_id,
    )
