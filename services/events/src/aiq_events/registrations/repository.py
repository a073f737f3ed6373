"""Registrations in MongoDB: each read of a meeting's registrations narrowed by the caller's
scope (``meeting_districts``, see ``meetings.repository.PartOfMeeting``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from pymongo import IndexModel

from aiq_events.meetings.repository import PartOfMeeting
from aiq_events.registrations.schemas import Registration, RegistrationListing
from aiq_shared.pagination import Page, PageParams
from aiq_shared.repository import Session
from aiq_shared.scope import EVERYTHING, Scope


class RegistrationsRepository(PartOfMeeting[Registration]):
    collection_name = "registrations"
    model = Registration

    def indexes(self) -> Sequence[IndexModel]:
        return [
            IndexModel([("meeting_id", 1), ("person_id", 1)]),
            IndexModel([("meeting_id", 1), ("status", 1), ("waitlist_seq", 1)]),
            IndexModel("person_id"),
            IndexModel("kind"),  # school groups (admitting)
            IndexModel("status"),  # the waitlist (admitting)
            *self.part_indexes(),
        ]

    async def of_meeting(
        self, meeting_id: str, scope: Scope, session: Session = None
    ) -> list[Registration]:
        """Every registration for the meeting, in the order they were made."""
        return await self.find(self.of(meeting_id, scope), session, sort=[("_id", 1)])

    async def relevant_to_admitting(
        self, meeting_id: str, person_ids: Sequence[str], seated: bool, session: Session
    ) -> list[Registration]:
        """What admitting ``person_ids`` asks of the meeting's registrations (in the order
        they were made): theirs, the school groups (a teacher's registration may name them),
        the waitlist, and with ``seated`` every confirmed one (the table seats they hold).

        One query per condition, each on its own index (``person_id``, ``kind``, ``status``):
        the embedded server then reads only the registrations they select. Asked as one
        query of either condition, it read every registration of the collection."""
        asked: list[dict[str, object]] = [
            {"person_id": {"$in": list(person_ids)}},
            {"kind": "teacher"},
            {"status": "waitlisted"},
        ]
        if seated:
            asked.append({"status": "confirmed"})
        found: dict[str, Registration] = {}
        for condition in asked:
            for registration in await self.find(
                self.of(meeting_id, EVERYTHING, **condition), session
            ):
                found[registration.id] = registration
        return sorted(found.values(), key=lambda r: r.id)

    async def listed(
        self, meeting_id: str, scope: Scope, page: PageParams, listing: RegistrationListing
    ) -> Page[Registration]:
        """A page of the meeting's registrations; ``q`` finds a name (a group's students too)."""
        more: dict[str, object] = {"status": listing.status} if listing.status else {}
        if listing.q:
            name = {"$regex": re.escape(listing.q), "$options": "i"}
            more["$or"] = [{"display_name": name}, {"group_students.display_name": name}]
        return await self.page(self.of(meeting_id, scope, **more), page)

    async def of_people(
        self, meeting_id: str, person_ids: Sequence[str], scope: Scope, session: Session = None
    ) -> list[Registration]:
        if not person_ids:
            return []  # an empty $in breaks the embedded server
        query = self.of(meeting_id, scope, person_id={"$in": list(person_ids)})
        return await self.find(query, session)

    async def in_meeting(
        self, meeting_id: str, registration_id: str, scope: Scope, session: Session = None
    ) -> Registration | None:
        return await self.find_one(self.of(meeting_id, scope, _id=registration_id), session)

    async def by_check_in_code(
        self, meeting_id: str, code: str, scope: Scope, session: Session
    ) -> Registration | None:
        return await self.find_one(self.of(meeting_id, scope, check_in_code=code), session)

    async def offers_due(self, now: datetime) -> list[Registration]:
        """Move-up offers whose time is over (of every meeting)."""
        return await self.find(
            {"status": "waitlisted", "offer_expires_at": {"$ne": None, "$lte": now}}
        )

    async def forget_person(self, person_id: str, erased_name: str, session: Session) -> None:
        """The person's name, on their registrations and in school groups naming them."""
        await self.collection.update_many(
            {"person_id": person_id}, {"$set": {"display_name": erased_name}}, session=session
        )
        for group in await self.find({"group_students.person_id": person_id}, session):
            members = [
                m.model_copy(update={"display_name": erased_name})
                if m.person_id == person_id
                else m
                for m in group.group_students
            ]
            await self.update(
                group.id, {"group_students": [m.model_dump() for m in members]}, session
            )

    async def move_organisation(self, merged: str, surviving: str, session: Session) -> None:
        await self.collection.update_many(
            {"organisation_id": merged}, {"$set": {"organisation_id": surviving}}, session=session
        )
