"""A meeting's registrations and their seats: the :class:`Roster`. Plain Python, no I/O.

Every change of a seat goes through a roster, by one set of rules: admitting (confirmed while
there is room, waitlisted after; a group whole or not at all), a walk-in (a seat even beyond
capacity), someone waiting who turns up at the door, cancelling (the seats released and passed
to the waitlist, the table seats to each table's line), changing tables, the assignment step,
accepting and lapsing a move-up offer. Each rule changes the roster in place and records the
events it causes; the service stores what changed (always with the meeting, whose seat count
serialises concurrent changes) and publishes the events, each with the person's personal link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from aiq_events.directory.rules import Participant, ParticipantKind
from aiq_events.meetings.rules import check_open, check_tables
from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations import seating, waitlist
from aiq_events.registrations.announcements import registration_event
from aiq_events.registrations.schemas import (
    AssignedRegistration,
    GroupMember,
    GroupRegistrationCreate,
    Registration,
    RegistrationCreate,
    RegistrationStatus,
    TableAssignment,
)
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationMoveUpOfferedV1,
    RegistrationPromotedV1,
    RegistrationSnapshot,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.errors import Conflict, NotFound, Unprocessable


def check_registration(
    meeting: Meeting, choice: RegistrationCreate, now: datetime, *, walk_in: bool = False
) -> None:
    check_open(meeting, now, walk_in=walk_in)
    check_tables(meeting, choice.topic_table_ids)


# -- reading registrations ----------------------------------------------------------------------


def active_of(registrations: Iterable[Registration], person_id: str) -> Registration | None:
    """The person's own active registration, or the school group that names them."""
    active = [r for r in registrations if r.status != "cancelled"]
    return next((r for r in active if r.person_id == person_id), None) or next(
        (r for r in active if any(s.person_id == person_id for s in r.group_students)), None
    )


def current_of(registrations: Sequence[Registration]) -> Registration | None:
    """A person's registration for a meeting: the active one, else the latest."""
    active = [r for r in registrations if r.status != "cancelled"]
    return max(active or registrations, key=lambda r: r.id) if registrations else None


def latest_by_person(registrations: Iterable[Registration]) -> dict[str, Registration]:
    """Each person's latest registration (by id: the order they were made)."""
    return {r.person_id: r for r in sorted(registrations, key=lambda r: r.id)}


def registered_people(registrations: Iterable[Registration]) -> set[str]:
    """Everyone an active registration holds a seat for: its person and a group's students."""
    registered: set[str] = set()
    for registration in registrations:
        if registration.status != "cancelled":
            registered.add(registration.person_id)
            registered.update(s.person_id for s in registration.group_students)
    return registered


def check_group(group: GroupRegistrationCreate) -> None:
    if len(set(group.student_person_ids)) != len(group.student_person_ids):
        raise Unprocessable("a student is named twice")


def group_members(students: Iterable[Participant]) -> list[GroupMember]:
    return [GroupMember(person_id=p.id, display_name=p.display_name) for p in students]


# -- the roster -----------------------------------------------------------------------------------


@dataclass
class Roster:
    """A meeting and every registration for it (in the order they were made), at ``now``.

    ``events`` are the registration events the changes caused, in order; :attr:`added` and
    :attr:`changed` the registrations to write.
    """

    meeting: Meeting
    registrations: list[Registration]
    now: datetime
    events: list[RegistrationSnapshot] = field(default_factory=list)
    _added: set[str] = field(default_factory=set)
    _changed: set[str] = field(default_factory=set)
    loaded: dict[str, Registration] = field(init=False)  # as read: the audit trail's "before"

    def __post_init__(self) -> None:
        self.loaded = {r.id: r for r in self.registrations}

    @property
    def added(self) -> list[Registration]:
        return [r for r in self.registrations if r.id in self._added]

    @property
    def changed(self) -> list[Registration]:
        return [r for r in self.registrations if r.id in self._changed - self._added]

    def registration(self, registration_id: str) -> Registration:
        found = next((r for r in self.registrations if r.id == registration_id), None)
        if found is None:
            raise NotFound(f"no registration {registration_id} for event {self.meeting.id}")
        return found

    def check_not_registered(self, person: Participant) -> None:
        existing = active_of(self.registrations, person.id)
        if existing is not None:
            raise Conflict(
                f"{person.display_name} is registered already",
                registration_id=existing.id,
                reason="registered_already",
            )

    # -- coming ---------------------------------------------------------------------------------
    def admit(
        self,
        person: Participant,
        table_ids: Sequence[str],
        *,
        registration_id: str,
        seats: int = 1,
        kind: ParticipantKind | None = None,
        invitation_id: str | None = None,
        group_students: Sequence[GroupMember] = (),
    ) -> Registration:
        """A new registration: confirmed (with its table seats) while there is room, else
        waitlisted; a group of ``seats`` comes whole or waits whole."""
        in_line = waitlist.position_of_next(self.registrations)
        status, self.meeting, position = waitlist.admit(self.meeting, seats)
        registration = self._new(
            person, table_ids, registration_id, status, kind, waitlist_seq=position, seats=seats,
            invitation_id=invitation_id, group_students=list(group_students),
        )  # fmt: skip
        if status == "confirmed":
            registration = self._seated(registration)
        self._add(registration)
        if status == "confirmed":
            self._emit(RegistrationConfirmedV1, registration)
        else:
            self._emit(RegistrationWaitlistedV1, registration, waitlist_position=in_line)
        return registration

    def walk_in(
        self,
        person: Participant,
        table_ids: Sequence[str],
        *,
        registration_id: str,
        kind: ParticipantKind | None = None,
    ) -> Registration:
        """Someone at the door without a registration: a seat, even beyond capacity."""
        self.meeting = waitlist.take_seats(self.meeting, 1)
        registration = self._new(
            person, table_ids, registration_id, "confirmed", kind, walk_in=True
        )
        registration = self._seated(registration)
        self._add(registration)
        self._emit(RegistrationConfirmedV1, registration)
        return registration

    def seat_at_door(self, registration_id: str) -> Registration:
        """Someone registered turns up; still waiting, they get their seats now (beyond
        capacity, unless an open offer holds them already)."""
        registration = self.registration(registration_id)
        if registration.status != "waitlisted":
            return registration
        if not registration.holds_seats:
            self.meeting = waitlist.take_seats(self.meeting, registration.seats)
        return self._promote(registration)

    def reshape(self, meeting: Meeting) -> None:
        """The meeting changed (``meetings.rules.change``): who waits and fits into a larger
        capacity or table now moves up."""
        self.meeting = meeting
        self._move_up()
        self._seated_from_lines(seating.fill_lines(self.meeting, self.registrations))

    def replace(self, registration: Registration) -> None:
        """A registration changed by a rule that moves no seat (checking in): written with
        the roster's changes."""
        self._put(registration)

    # -- tables ---------------------------------------------------------------------------------
    def change_tables(self, registration_id: str, table_ids: Sequence[str]) -> Registration:
        """New table choices (or ranking): seats kept where still wanted, freed seats passed on."""
        check_open(self.meeting, self.now)
        check_tables(self.meeting, table_ids)
        before = self.registration(registration_id)
        if before.status == "cancelled":
            raise Conflict("the registration is cancelled", reason="cancelled_registration")
        after = before.model_copy(
            update={"topic_table_ids": list(table_ids), "updated_at": self.now}
        )
        if before.status == "confirmed":
            kept = [s for s in before.table_seats if s.topic_table_id in table_ids]
            if self.meeting.table_selection != "choose":
                kept = []  # a new ranking is placed anew
            after = self._seated(after.model_copy(update={"table_seats": kept}))
        self._put(after)
        if seating.tables_changed(before, after):
            self._emit(
                RegistrationTablesChangedV1, after, reason="choice",
                previous_topic_table_ids=before.topic_table_ids,
            )  # fmt: skip
        self._pass_on_table_seats(before, after)
        return after

    def assign_tables(self) -> TableAssignment:
        """The assignment step of a meeting whose registrations rank tables."""
        if self.meeting.table_selection != "rank":
            raise Conflict("this meeting's registrations choose tables directly")
        if self.meeting.status not in ("published", "draft"):
            raise Conflict(f"the meeting is {self.meeting.status}")
        placed = seating.assign(self.meeting, self.registrations)
        lines = []
        for registration in list(self.registrations):
            if registration.id not in placed:
                continue
            updated = registration.model_copy(
                update={"table_seats": placed[registration.id], "updated_at": self.now}
            )
            self._put(updated)
            if seating.tables_changed(registration, updated):  # run again: only who moved hears
                self._emit(
                    RegistrationTablesChangedV1, updated, reason="assignment",
                    previous_topic_table_ids=registration.topic_table_ids,
                )  # fmt: skip
            lines.append(
                AssignedRegistration(
                    registration_id=updated.id,
                    display_name=updated.display_name,
                    table_seats=updated.table_seats,
                )
            )
        self.meeting = self.meeting.model_copy(
            update={
                "tables_assigned": True,
                "waitlist_next": self.meeting.waitlist_next + len(lines),
            }
        )
        return TableAssignment(meeting_id=self.meeting.id, registrations=lines)

    # -- leaving and moving up ------------------------------------------------------------------
    def cancel(self, registration_id: str, reason: str) -> Registration:
        """Cancel (``reason``: person, staff); the seats go to the next in line."""
        if self.meeting.status == "closed":
            raise Conflict("the meeting is over", reason="closed")
        registration = self.registration(registration_id)
        if registration.status == "cancelled":
            raise Conflict("the registration is cancelled already", reason="cancelled_already")
        return self._withdraw(registration, reason)

    def accept_offer(self, registration_id: str) -> Registration:
        registration = self.registration(registration_id)
        waitlist.check_offer_open(registration, self.now)
        return self._promote(registration)

    def lapse(self, registration_id: str) -> bool:
        """An offer not accepted in time is cancelled and passes on; False if it was accepted
        or cancelled meanwhile."""
        registration = self.registration(registration_id)
        if not waitlist.has_lapsed(registration, self.now):
            return False
        self._withdraw(registration, "offer_expired")
        return True

    # -- the rules' common steps ----------------------------------------------------------------
    def _withdraw(self, registration: Registration, reason: str) -> Registration:
        cancelled = registration.model_copy(
            update={
                "status": "cancelled",
                "waitlist_seq": None,
                "offer_expires_at": None,
                "updated_at": self.now,
            }
        )
        if registration.holds_seats:
            self.meeting = waitlist.release_seat(self.meeting, "confirmed", registration.seats)
        self._put(cancelled)
        self._emit(
            RegistrationCancelledV1, cancelled, previous_status=registration.status, reason=reason
        )
        self._pass_on_table_seats(registration, cancelled)
        self._move_up()
        return cancelled

    def _move_up(self) -> None:
        """Free seats go to the waitlist in order: confirmed at once, or offered for a while."""
        while (
            moving := waitlist.next_to_move_up(self.meeting, waitlist.waiting(self.registrations))
        ) is not None:
            self.meeting = waitlist.take_seats(self.meeting, moving.seats)
            if self.meeting.move_up_offer_hours:
                offered = waitlist.offer(moving, self.meeting, self.now)
                self._put(offered)
                until = offered.offer_expires_at
                self._emit(RegistrationMoveUpOfferedV1, offered, offer_expires_at=until)
            else:
                self._promote(moving)

    def _promote(self, registration: Registration) -> Registration:
        """Off the waitlist into the seats it holds now, with its topic-table seats."""
        promoted = self._seated(waitlist.promote(registration, self.now))
        self._put(promoted)
        self._emit(RegistrationPromotedV1, promoted)
        return promoted

    def _pass_on_table_seats(self, before: Registration, after: Registration) -> None:
        """Seats ``after`` gave up go to the first in each table's line; each who moved up is
        told once (``table_move_up``), with all their seats as they are now."""
        self._seated_from_lines(seating.pass_on(self.meeting, self.registrations, before, after))

    def _seated_from_lines(self, moving: Iterable[Registration]) -> None:
        for moved in moving:
            moved = moved.model_copy(update={"updated_at": self.now})
            self._put(moved)
            self._emit(
                RegistrationTablesChangedV1, moved, reason="table_move_up",
                previous_topic_table_ids=moved.topic_table_ids,
            )  # fmt: skip

    def _seated(self, registration: Registration) -> Registration:
        self.meeting, seated = seating.seat(self.meeting, self.registrations, registration)
        return seated

    def _new(
        self,
        person: Participant,
        table_ids: Sequence[str],
        registration_id: str,
        status: RegistrationStatus,
        kind: ParticipantKind | None,
        **fields: object,
    ) -> Registration:
        return Registration.model_validate(
            {
                "id": registration_id,
                "meeting_id": self.meeting.id,
                "person_id": person.id,
                "display_name": person.display_name,
                "district": person.district,
                "organisation_id": person.organisation_id,
                "topic_table_ids": list(table_ids),
                "status": status,
                "created_at": self.now,
                "updated_at": self.now,
                "kind": kind or person.kind,
                "meeting_districts": self.meeting.districts,
                **fields,
            }
        )

    def _add(self, registration: Registration) -> None:
        self.registrations.append(registration)
        self._added.add(registration.id)

    def _put(self, registration: Registration) -> None:
        self.registrations = [
            registration if r.id == registration.id else r for r in self.registrations
        ]
        self._changed.add(registration.id)

    def _emit(
        self, event: type[RegistrationSnapshot], registration: Registration, **extra: object
    ) -> None:
        self.events.append(registration_event(event, self.meeting, registration, **extra))
