"""The RSVP page's group form: a teacher registers their school group through their own link.

The students to name come from the read model (students of the teacher's school who are not
registered yet); more may be counted without names (minors: data-lean). Tables are chosen as
on the page's other form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiq_events.domain import GroupRegistrationCreate, Meeting, Registration
from aiq_events.invitations import Invitation
from aiq_events.service import EventsService
from aiq_shared.errors import Unprocessable

MAX_UNNAMED = 60
REFUSALS = {
    "not_a_teacher": "Eine Gruppe kann nur eine Lehrkraft anmelden.",
    "unknown_student": "Diese Schülerin oder diesen Schüler können Sie hier nicht anmelden "
    "(vielleicht schon angemeldet?).",
    "group_size": f"Bitte geben Sie eine Zahl von 0 bis {MAX_UNNAMED} an.",
}


async def context(
    service: EventsService, invitation: Invitation, meeting: Meeting
) -> dict[str, Any] | None:
    """What the group form shows, or None when the invitee is no teacher."""
    teacher = await service.groups.teacher(invitation.person_id)
    if teacher is None:
        return None
    students = await service.groups.students_for(teacher, meeting.id)
    return {"students": [{"id": s.id, "name": s.display_name} for s in students]}


async def register(
    service: EventsService,
    invitation: Invitation,
    meeting: Meeting,
    form: Mapping[str, list[str]],
    tables: list[str],
) -> Registration:
    teacher = await service.groups.teacher(invitation.person_id)
    if teacher is None:
        raise Unprocessable("only a teacher registers a group", reason="not_a_teacher")
    allowed = {s.id for s in await service.groups.students_for(teacher, meeting.id)}
    named = list(dict.fromkeys(v for v in form.get("student", []) if v))
    if len(named) > MAX_UNNAMED:
        raise Unprocessable("too many students", reason="group_size")
    if not set(named) <= allowed:
        raise Unprocessable("a student the teacher cannot name", reason="unknown_student")
    unnamed = ((form.get("unnamed_students") or [""])[0].strip() or "0")[:3]
    if not unnamed.isdigit() or int(unnamed) > MAX_UNNAMED:
        raise Unprocessable("unnamed_students must be 0 to 60", reason="group_size")
    group = GroupRegistrationCreate(
        teacher_person_id=teacher.id,
        student_person_ids=named,
        unnamed_students=int(unnamed),
        topic_table_ids=tables,
    )
    return await service.register_group(meeting.id, group, invitation_id=invitation.id)
