"""School groups through the teacher's personal link: which students the teacher may name.

The students are those of the events service's read model of contacts who belong to one of
the teacher's organisations (their school), and are not registered for the meeting already.
"""

from __future__ import annotations

from aiq_events import people
from aiq_events.people import Participant
from aiq_events.repository import MeetingsRepository


class SchoolGroups:
    def __init__(self, repository: MeetingsRepository) -> None:
        self._repository = repository

    async def teacher(self, person_id: str) -> Participant | None:
        """The person, if the read model knows them as a teacher."""
        person = await self._repository.get_participant(person_id)
        if person is None or person.erased or person.kind != "teacher":
            return None
        return person

    async def students_for(self, teacher: Participant, meeting_id: str) -> list[Participant]:
        registered: set[str] = set()
        for registration in await self._repository.all_registrations(meeting_id):
            if registration.status != "cancelled":
                registered.add(registration.person_id)
                registered.update(s.person_id for s in registration.group_students)
        return people.students_of(teacher, await self._repository.list_participants(), registered)
