"""What the events service tells the others: a meeting or a registration as an event. Plain
Python, no I/O.

Every meeting event carries the programme (agenda, description, organising officer); every
registration event carries where the registration sits or waits at topic tables
(``table_seats``) and the named students of a school group, so an email can say all of it.
"""

from __future__ import annotations

from aiq_events.domain import Meeting, Registration
from aiq_shared.contracts.meetings import MeetingSnapshot, TopicTableSnapshot
from aiq_shared.contracts.registrations import RegistrationSnapshot, TableSeatSnapshot


def meeting_event[E: MeetingSnapshot](event: type[E], meeting: Meeting, **extra: object) -> E:
    return event(
        **meeting.summary().model_dump(),  # title, times, venue, sequence, agenda
        capacity=meeting.capacity,
        districts=meeting.districts,
        topic_tables=[
            TopicTableSnapshot(
                topic_table_id=t.id,
                title=t.title,
                capacity=t.capacity,
                description=t.description,
                host_person_id=t.host_person_id,
            )
            for t in meeting.topic_tables
        ],
        status=meeting.status,
        format=meeting.format,
        registration_deadline=meeting.registration_deadline,
        description=meeting.description,
        organising_officer=meeting.organising_officer,
        **extra,
    )


def seats_of(registration: Registration) -> list[TableSeatSnapshot]:
    """Where the registration sits (``seated``) or waits (``waitlisted``), per round."""
    return [
        TableSeatSnapshot(topic_table_id=s.topic_table_id, round=s.round, status=s.status)
        for s in registration.table_seats
    ]


def tables_changed(before: Registration, after: Registration) -> bool:
    """Whether the wishes or the seats differ (an explanation alone is no change)."""
    return before.topic_table_ids != after.topic_table_ids or seats_of(before) != seats_of(after)


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
