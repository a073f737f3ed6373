"""What the registrations subject tells the others: a registration as an event, and as an
entry of the audit trail. Plain Python.

Every registration event carries where the registration sits or waits at topic tables
(``table_seats``) and the named students of a school group, so an email can say all of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiq_events.meetings.schemas import Meeting
from aiq_events.registrations.schemas import Registration
from aiq_events.registrations.seating import seats_of
from aiq_shared.audit import changed_fields
from aiq_shared.contracts.registrations import RegistrationSnapshot


def registration_event[E: RegistrationSnapshot](
    event: type[E], meeting: Meeting, registration: Registration, **extra: object
) -> E:
    return event(
        registration_id=registration.id,
        meeting=meeting.summary(),
        person_id=registration.person_id,
        display_name=registration.display_name,
        district=registration.district,
        organisation_id=registration.organisation_id,
        topic_table_ids=registration.topic_table_ids,
        status=registration.status,
        check_in_code=registration.check_in_code if registration.status == "confirmed" else None,
        kind=registration.kind,
        seats=registration.seats,
        walk_in=registration.walk_in,
        table_seats=seats_of(registration),
        group_students=[s.display_name for s in registration.group_students],
        **extra,
    )


def audited(
    before: Registration | None, after: Registration, events: Sequence[RegistrationSnapshot]
) -> tuple[str, list[str]]:
    """What the audit trail says of a registration a rule added or changed: the action (what
    its last event says, or ``registered`` for a new one) and the changed fields' names."""
    actions = [e.event_type.split(".")[2] for e in events if e.registration_id == after.id]
    if before is None:
        action = "walked_in" if after.walk_in else "registered"
    else:
        action = actions[-1] if actions else "updated"
    return action, changed_fields(before, after)
