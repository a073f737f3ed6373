"""Events on ``aiq.registrations``, keyed by meeting id so one meeting's seats stay in order.

Each carries what consumers need without asking anyone: the person's display name and
district, the chosen topic tables and a summary of the meeting for emails.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from aiq_shared import topics
from aiq_shared.contracts.base import EventContract
from aiq_shared.contracts.meetings import MeetingSummary

RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]


class TableSeatSnapshot(BaseModel):
    """A registration's seat at a topic table in one round, or its place in that table's line
    (``waitlisted``): an email lists only ``seated`` tables as the person's own."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    topic_table_id: str
    round: int = 1
    status: Literal["seated", "waitlisted"]


class RegistrationSnapshot(EventContract):
    topic = topics.REGISTRATIONS

    registration_id: str
    meeting: MeetingSummary
    person_id: str
    display_name: str
    district: str
    organisation_id: str | None = None
    topic_table_ids: list[str]
    status: RegistrationStatus
    # Shown as a QR code in the confirmation; staff scan it at the door (POST .../check-in).
    check_in_code: str | None = None
    # Added for issue 4 (optional, so older events still parse):
    kind: str = "contact"  # contact, teacher, student, guest
    seats: int = 1  # a school group's registration holds the whole group's seats
    walk_in: bool = False
    # The person's personal RSVP link when they were invited (change, cancel, accept an offer).
    rsvp_url: str | None = None
    # Added for issue 9: where the registration sits (or waits) at topic tables, per round,
    # and the named students of a school group (display names; the teacher's registration).
    table_seats: list[TableSeatSnapshot] = []
    group_students: list[str] = []

    def aggregate_key(self) -> str:
        return self.meeting.meeting_id


class RegistrationConfirmedV1(RegistrationSnapshot):
    event_type = "aiq.registration.confirmed.v1"


class RegistrationWaitlistedV1(RegistrationSnapshot):
    event_type = "aiq.registration.waitlisted.v1"

    waitlist_position: int


class RegistrationCancelledV1(RegistrationSnapshot):
    event_type = "aiq.registration.cancelled.v1"

    previous_status: RegistrationStatus
    # Who or what cancelled (issue 9): "person" (the personal link), "staff", "offer_expired".
    reason: str | None = None


class RegistrationCheckedInV1(RegistrationSnapshot):
    """The registrant arrived: checked in at the door on the day."""

    event_type = "aiq.registration.checked_in.v1"


class RegistrationPromotedV1(RegistrationSnapshot):
    """A waitlisted registration moved up to confirmed after a cancellation."""

    event_type = "aiq.registration.promoted.v1"


class RegistrationMoveUpOfferedV1(RegistrationSnapshot):
    """A seat is free and kept for this waitlisted registration until ``offer_expires_at``;
    accepted it becomes ``aiq.registration.promoted.v1``, expired ``...cancelled.v1``."""

    event_type = "aiq.registration.move_up_offered.v1"

    offer_expires_at: AwareDatetime
    waitlist_position: int | None = None


class RegistrationNoShowV1(RegistrationSnapshot):
    """A confirmed registrant did not come (recorded when the meeting is closed)."""

    event_type = "aiq.registration.no_show.v1"


class RegistrationTablesChangedV1(RegistrationSnapshot):
    """The registration's topic tables changed: the person chose or ranked anew (``choice``),
    the assignment step placed them (``assignment``), or a seat at a table they were waiting
    for came free (``table_move_up``). ``table_seats`` is where they sit now."""

    event_type = "aiq.registration.tables_changed.v1"

    reason: Literal["choice", "assignment", "table_move_up"]
    previous_topic_table_ids: list[str] = []
