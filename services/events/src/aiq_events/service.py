"""Events use cases: meetings, publication, registration with waitlist and move-up."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime

from aiq_events import domain
from aiq_events.domain import (
    CheckIn,
    Meeting,
    MeetingChange,
    MeetingCreate,
    Participant,
    Registration,
    RegistrationCreate,
    TopicTable,
)
from aiq_events.repository import MeetingsRepository
from aiq_shared.contracts.contacts import PersonSnapshot
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingChangedV1,
    MeetingCreatedV1,
    MeetingPublishedV1,
    MeetingSnapshot,
)
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
    RegistrationSnapshot,
    RegistrationWaitlistedV1,
)
from aiq_shared.errors import Conflict, NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, new_id, page_of


def meeting_event[E: MeetingSnapshot](event: type[E], meeting: Meeting, **extra: object) -> E:
    return event(
        meeting_id=meeting.id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        venue=meeting.venue.model_dump(),
        capacity=meeting.capacity,
        districts=meeting.districts,
        topic_tables=[
            {"topic_table_id": t.id, "title": t.title, "capacity": t.capacity}
            for t in meeting.topic_tables
        ],
        status=meeting.status,
        sequence=meeting.sequence,
        format=meeting.format,
        registration_deadline=meeting.registration_deadline,
        **extra,
    )


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
        **extra,
    )


class EventsService:
    def __init__(self, database: Database, districts: Sequence[str]) -> None:
        self._database = database
        self._repository = MeetingsRepository(database)
        self._districts = list(districts)
        # One meeting's seat changes queue up here instead of colliding in the database: the
        # transaction stays the guarantee (across replicas too), the lock spares the retries.
        self._meeting_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _one_at_a_time(self, meeting_id: str) -> asyncio.Lock:
        lock = self._meeting_locks.get(meeting_id)
        if lock is None:
            lock = self._meeting_locks[meeting_id] = asyncio.Lock()
        return lock

    # meetings -----------------------------------------------------------------------------
    async def create_meeting(
        self, data: MeetingCreate, idempotency_key: str | None = None
    ) -> Meeting:
        domain.check_districts(data.districts, self._districts)

        async def work(tx: Tx) -> Meeting:
            meeting = Meeting(
                id=new_id(),
                **data.model_dump(exclude={"topic_tables"}),
                topic_tables=[
                    TopicTable(id=new_id(), **table.model_dump()) for table in data.topic_tables
                ],
            )
            await self._repository.add_meeting(meeting, tx.session)
            tx.publish(meeting_event(MeetingCreatedV1, meeting))
            return meeting

        return await once(self._database, idempotency_key, "meetings", work, Meeting)

    async def publish_meeting(self, meeting_id: str) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            meeting = domain.publish(await self._meeting(meeting_id, tx))
            await self._repository.save_meeting(meeting, tx.session)
            tx.publish(meeting_event(MeetingPublishedV1, meeting))
            return meeting

        return await self._database.transaction(work)

    async def change_meeting(self, meeting_id: str, update: MeetingChange) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            meeting, changed = domain.change(await self._meeting(meeting_id, tx), update)
            if changed:
                await self._repository.save_meeting(meeting, tx.session)
                tx.publish(meeting_event(MeetingChangedV1, meeting, changed=changed))
            return meeting

        return await self._database.transaction(work)

    async def cancel_meeting(self, meeting_id: str) -> Meeting:
        async def work(tx: Tx) -> Meeting:
            meeting = domain.cancel(await self._meeting(meeting_id, tx))
            await self._repository.save_meeting(meeting, tx.session)
            tx.publish(meeting_event(MeetingCancelledV1, meeting))
            return meeting

        return await self._database.transaction(work)

    async def get_meeting(self, meeting_id: str) -> Meeting:
        meeting = await self._repository.get_meeting(meeting_id)
        if meeting is None:
            raise NotFound(f"no event {meeting_id}")
        return meeting

    async def list_meetings(
        self, page: PageParams, district: str | None = None, status: str | None = None
    ) -> Page[Meeting]:
        items = await self._repository.list_meetings(page, district, status)
        return page_of(items, page, lambda m: m.id)

    async def _meeting(self, meeting_id: str, tx: Tx) -> Meeting:
        meeting = await self._repository.get_meeting(meeting_id, tx.session)
        if meeting is None:
            raise NotFound(f"no event {meeting_id}")
        return meeting

    # registrations ------------------------------------------------------------------------
    async def register(
        self, meeting_id: str, choice: RegistrationCreate, idempotency_key: str | None = None
    ) -> Registration:
        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            domain.check_registration(meeting, choice, datetime.now(UTC))
            participant = await self._repository.get_participant(choice.person_id, tx.session)
            if participant is None:
                raise Unprocessable(
                    f"unknown person {choice.person_id}: create the person in contacts first"
                )
            existing = await self._repository.active_registration_of(
                meeting.id, participant.id, tx.session
            )
            if existing is not None:
                raise Conflict(
                    f"{participant.display_name} is registered already",
                    registration_id=existing.id,
                )
            status, meeting, position = domain.admit(meeting)
            in_line = (
                await self._repository.count_waitlisted(meeting.id, tx.session) + 1
                if status == "waitlisted"
                else None
            )
            now = datetime.now(UTC)
            registration = Registration(
                id=new_id(),
                meeting_id=meeting.id,
                person_id=participant.id,
                display_name=participant.display_name,
                district=participant.district,
                organisation_id=participant.organisation_id,
                topic_table_ids=choice.topic_table_ids,
                status=status,
                waitlist_seq=position,
                created_at=now,
                updated_at=now,
            )
            await self._repository.save_meeting(meeting, tx.session)
            await self._repository.add_registration(registration, tx.session)
            if status == "confirmed":
                tx.publish(registration_event(RegistrationConfirmedV1, meeting, registration))
            else:
                tx.publish(
                    registration_event(
                        RegistrationWaitlistedV1, meeting, registration, waitlist_position=in_line
                    )
                )
            return registration

        async with self._one_at_a_time(meeting_id):
            return await once(
                self._database, idempotency_key, f"registrations:{meeting_id}", work, Registration
            )

    async def cancel(self, meeting_id: str, registration_id: str) -> Registration:
        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            registration = await self._repository.get_registration(
                meeting_id, registration_id, tx.session
            )
            if registration is None:
                raise NotFound(f"no registration {registration_id} for event {meeting_id}")
            if registration.status == "cancelled":
                raise Conflict("the registration is cancelled already")
            previous = registration.status
            now = datetime.now(UTC)
            registration = registration.model_copy(
                update={"status": "cancelled", "waitlist_seq": None, "updated_at": now}
            )
            meeting = domain.release_seat(meeting, previous)
            await self._repository.save_registration(registration, tx.session)
            tx.publish(
                registration_event(
                    RegistrationCancelledV1, meeting, registration, previous_status=previous
                )
            )
            first = await self._repository.first_waitlisted(meeting_id, tx.session)
            moving_up = domain.next_to_move_up(meeting, [first] if first else [])
            if moving_up is not None:
                meeting = meeting.model_copy(update={"seats_taken": meeting.seats_taken + 1})
                moving_up = moving_up.model_copy(
                    update={"status": "confirmed", "waitlist_seq": None, "updated_at": now}
                )
                await self._repository.save_registration(moving_up, tx.session)
                tx.publish(registration_event(RegistrationPromotedV1, meeting, moving_up))
            await self._repository.save_meeting(meeting, tx.session)
            return registration

        async with self._one_at_a_time(meeting_id):
            return await self._database.transaction(work)

    async def check_in(self, meeting_id: str, code: str) -> CheckIn:
        async def work(tx: Tx) -> CheckIn:
            meeting = await self._meeting(meeting_id, tx)
            registration = await self._repository.by_check_in_code(meeting_id, code, tx.session)
            if registration is None:
                raise NotFound("no registration with this check-in code for this event")
            registration, arrived = domain.check_in(registration, datetime.now(UTC))
            if arrived:
                await self._repository.save_registration(registration, tx.session)
                tx.publish(registration_event(RegistrationCheckedInV1, meeting, registration))
            return CheckIn(registration=registration, already_checked_in=not arrived)

        return await self._database.transaction(work)

    async def get_registration(self, meeting_id: str, registration_id: str) -> Registration:
        registration = await self._repository.get_registration(meeting_id, registration_id)
        if registration is None:
            raise NotFound(f"no registration {registration_id} for event {meeting_id}")
        return registration

    async def list_registrations(
        self, meeting_id: str, page: PageParams, status: str | None = None
    ) -> Page[Registration]:
        await self.get_meeting(meeting_id)
        items = await self._repository.list_registrations(meeting_id, page, status)
        return page_of(items, page, lambda r: r.id)

    # contacts read model ------------------------------------------------------------------
    async def remember_person(self, person: PersonSnapshot, tx: Tx) -> None:
        await self._repository.upsert_participant(
            Participant(
                id=person.person_id,
                display_name=person.display_name,
                district=person.district,
                organisation_id=person.organisation_id,
            ),
            tx.session,
        )
