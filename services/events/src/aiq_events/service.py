"""Events use cases: meetings, publication, registration with waitlist and move-up."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from pymongo.errors import PyMongoError

from aiq_events import domain, invitations, people, report, tables
from aiq_events.announcements import meeting_event, registration_event, tables_changed
from aiq_events.declines import Declines
from aiq_events.domain import (
    AssignedRegistration,
    CheckIn,
    GroupMember,
    GroupRegistrationCreate,
    Meeting,
    MeetingChange,
    MeetingCreate,
    Registration,
    RegistrationCreate,
    TableAssignment,
    TableChoice,
    TableVisit,
    TableVisitCreate,
    TopicTable,
    WalkInCreate,
)
from aiq_events.groups import SchoolGroups
from aiq_events.invitations import (
    Campaign,
    CampaignResult,
    Invitation,
    InvitationPreview,
    InvitationTarget,
    InvitationView,
    PreviewPerson,
    PublishOptions,
)
from aiq_events.people import Participant
from aiq_events.report import Outcome, OutcomesCreate
from aiq_events.repository import MeetingsRepository
from aiq_shared.contracts.contacts import (
    ConsentChangedV1,
    OrganisationsMergedV1,
    OrganisationSnapshot,
    PersonErasedV1,
    PersonSnapshot,
    SegmentDeletedV1,
    SegmentSavedV1,
)
from aiq_shared.contracts.invitations import InvitationCampaignStartedV1, InvitationCreatedV1
from aiq_shared.contracts.meetings import (
    MeetingCancelledV1,
    MeetingChangedV1,
    MeetingClosedV1,
    MeetingCreatedV1,
    MeetingOutcomeRecordedV1,
    MeetingPublishedV1,
)
from aiq_shared.contracts.registrations import (
    RegistrationCancelledV1,
    RegistrationCheckedInV1,
    RegistrationConfirmedV1,
    RegistrationMoveUpOfferedV1,
    RegistrationNoShowV1,
    RegistrationPromotedV1,
    RegistrationSnapshot,
    RegistrationTablesChangedV1,
    RegistrationWaitlistedV1,
)
from aiq_shared.errors import Conflict, NotFound, Unprocessable
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import Page, PageParams, new_id, page_of
from aiq_shared.targeting import ContactFilter

log = structlog.get_logger(__name__)


@dataclass
class _Pending:
    """Chunks of a campaign still to write after its first transaction."""

    meeting: Meeting = None  # type: ignore[assignment]
    campaign_id: str = ""
    chunks: list[Sequence[Participant]] = field(default_factory=list)

    def clear(self) -> None:  # a retried transaction starts over
        self.chunks = []


def _default_target(meeting: Meeting, target: InvitationTarget) -> InvitationTarget:
    """No target and no segment: the meeting's districts."""
    if target.target is None and target.segment_id is None:
        return target.model_copy(update={"target": ContactFilter(districts=meeting.districts)})
    return target


class EventsService:
    def __init__(
        self,
        database: Database,
        districts: Sequence[str],
        *,
        link_secret: str = "development-only-rsvp-secret-change-me",
        public_base_url: str = "http://127.0.0.1:8002",
    ) -> None:
        self._link_secret = link_secret
        self._public_base_url = public_base_url
        self._database = database
        self._repository = MeetingsRepository(database)
        self._districts = list(districts)
        self.declines = Declines(database, self._repository)  # a no through the link
        self.groups = SchoolGroups(self._repository)  # a teacher's group through the link
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

    async def publish_meeting(
        self, meeting_id: str, options: PublishOptions | None = None
    ) -> Meeting:
        """Publish and, unless told not to, invite the target (default: the meeting's districts).

        The publication, the campaign's start and its first chunk of invitations commit
        together; further chunks follow, a transaction each (see :meth:`_start_campaign`).
        """
        options = options or PublishOptions()
        pending = _Pending()

        async def work(tx: Tx) -> Meeting:
            meeting = domain.publish(await self._meeting(meeting_id, tx), datetime.now(UTC))
            await self._repository.save_meeting(meeting, tx.session)
            tx.publish(meeting_event(MeetingPublishedV1, meeting))
            pending.clear()
            if options.invite:
                await self._start_campaign(meeting, options, tx, pending)
            return meeting

        async with self._one_at_a_time(meeting_id):
            meeting = await self._database.transaction(work)
            await self._continue_campaign(pending)
        return meeting

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

    # invitations --------------------------------------------------------------------------
    async def _criteria(
        self, target: InvitationTarget, tx: Tx | None = None
    ) -> list[ContactFilter]:
        criteria = [target.target] if target.target is not None else []
        if target.segment_id:
            session = tx.session if tx else None
            segment = await self._repository.get_segment(target.segment_id, session)
            if segment is None:
                raise Unprocessable(f"no saved segment {target.segment_id}")
            criteria.append(ContactFilter.model_validate(segment["filter"]))
        return criteria

    async def _select(
        self, meeting: Meeting, target: InvitationTarget, tx: Tx | None = None
    ) -> invitations.Selection:
        session = tx.session if tx else None
        return invitations.select(
            await self._repository.list_participants(session),
            await self._repository.organisations(session),
            await self._criteria(target, tx),
            await self._repository.invited_people(meeting.id, session),
        )

    async def preview_invitations(
        self, meeting_id: str, target: InvitationTarget, page: PageParams
    ) -> InvitationPreview:
        meeting = await self.get_meeting(meeting_id)
        selection = await self._select(meeting, _default_target(meeting, target))
        organisations = await self._repository.organisations()
        after = [p for p in selection.eligible if not page.cursor or p.id > page.cursor]
        listed = page_of(after[: page.limit + 1], page, lambda p: p.id)
        return InvitationPreview(
            **selection.counts().model_dump(),
            items=[
                PreviewPerson(
                    person_id=p.id,
                    display_name=p.display_name,
                    district=p.district,
                    organisation_id=p.organisation_id,
                    organisation_name=organisations.get(p.organisation_id or "", {}).get("name"),
                    kind=p.kind,
                )
                for p in listed.items
            ],
            next_cursor=listed.next_cursor,
        )

    async def invite(
        self, meeting_id: str, target: InvitationTarget, idempotency_key: str | None = None
    ) -> CampaignResult:
        pending = _Pending()

        async def work(tx: Tx) -> CampaignResult:
            meeting = await self._meeting(meeting_id, tx)
            domain.check_invitable(meeting, datetime.now(UTC))
            pending.clear()
            return await self._start_campaign(meeting, target, tx, pending)

        async with self._one_at_a_time(meeting_id):
            result = await once(
                self._database, idempotency_key, f"invitations:{meeting_id}", work, CampaignResult
            )
            await self._continue_campaign(pending)
        return result

    async def _start_campaign(
        self, meeting: Meeting, target: InvitationTarget, tx: Tx, pending: _Pending
    ) -> CampaignResult:
        """Invite everyone the target selects who has consent and no invitation yet.

        This transaction writes the campaign and publishes its start, then the first chunk of
        invitations (one event each); ``pending`` keeps the rest for
        :meth:`_continue_campaign`, a transaction per chunk, so no transaction grows with the
        campaign. Should a later chunk fail, inviting the same target again completes the
        campaign: nobody is invited twice.
        """
        target = _default_target(meeting, target)
        selection = await self._select(meeting, target, tx)
        counts = selection.counts()
        if not selection.eligible:
            return CampaignResult(**counts.model_dump(), campaign_id=None, invited=0)
        now = datetime.now(UTC)
        campaign = Campaign(
            id=new_id(),
            meeting_id=meeting.id,
            target=target.target or ContactFilter(),
            segment_id=target.segment_id,
            total=len(selection.eligible),
            started_at=now,
        )
        await self._repository.add_campaign(campaign, tx.session)
        tx.publish(
            InvitationCampaignStartedV1(
                campaign_id=campaign.id,
                meeting=meeting.summary(),
                target=campaign.target,
                segment_id=campaign.segment_id,
                total=campaign.total,
                started_at=now,
            )
        )
        first, *rest = list(invitations.chunks(selection.eligible))
        await self._write_invitations(meeting, campaign.id, first, tx)
        pending.meeting, pending.campaign_id, pending.chunks = meeting, campaign.id, rest
        return CampaignResult(
            **counts.model_dump(), campaign_id=campaign.id, invited=len(selection.eligible)
        )

    async def _continue_campaign(self, pending: _Pending) -> None:
        for chunk in pending.chunks:

            async def work(tx: Tx, chunk: Sequence[Participant] = chunk) -> None:
                invited = await self._repository.invited_people(pending.meeting.id, tx.session)
                fresh = [p for p in chunk if p.id not in invited]
                await self._write_invitations(pending.meeting, pending.campaign_id, fresh, tx)

            await self._database.transaction(work)

    async def _write_invitations(
        self, meeting: Meeting, campaign_id: str, people: Sequence[Participant], tx: Tx
    ) -> None:
        now = datetime.now(UTC)
        made = [
            Invitation(
                id=new_id(),
                meeting_id=meeting.id,
                campaign_id=campaign_id,
                person_id=person.id,
                display_name=person.display_name,
                district=person.district,
                organisation_id=person.organisation_id,
                kind=person.kind,
                created_at=now,
                expires_at=meeting.ends_at,
            )
            for person in people
        ]
        await self._repository.add_invitations(made, tx.session)
        summary = meeting.summary()
        for invitation in made:
            link = self.rsvp_url(invitation)
            tx.publish(
                InvitationCreatedV1(
                    invitation_id=invitation.id,
                    campaign_id=campaign_id,
                    meeting=summary,
                    person_id=invitation.person_id,
                    rsvp_url=link,
                    expires_at=invitation.expires_at,
                    registration_deadline=meeting.registration_deadline,
                    decline_url=invitations.decline_url(link),
                )
            )

    def rsvp_url(self, invitation: Invitation) -> str:
        token = invitations.rsvp_token(
            invitation.id,
            invitation.meeting_id,
            invitation.expires_at,
            self._link_secret,
            invitation.created_at,
        )
        return invitations.rsvp_url(self._public_base_url, token)

    async def list_invitations(self, meeting_id: str, page: PageParams) -> Page[InvitationView]:
        await self.get_meeting(meeting_id)
        listed = page_of(
            await self._repository.list_invitations(meeting_id, page), page, lambda i: i.id
        )
        registrations = await self._repository.registrations_of_people(
            meeting_id, [i.person_id for i in listed.items]
        )
        latest: dict[str, Registration] = {}
        for registration in sorted(registrations, key=lambda r: r.id):
            latest[registration.person_id] = registration
        views = []
        for invitation in listed.items:
            registration = latest.get(invitation.person_id)
            views.append(
                InvitationView(
                    **invitation.model_dump(),
                    response=invitations.response_of(
                        invitation, registration.status if registration else None
                    ),
                    registration_id=registration.id if registration else None,
                    rsvp_url=self.rsvp_url(invitation),
                )
            )
        return Page(items=views, next_cursor=listed.next_cursor)

    async def invitation_of_link(self, token: str) -> tuple[Invitation, Meeting]:
        """The invitation behind a personal link; InvalidLink/ExpiredLink if it is none.

        A link lasts until the meeting ends: the end signed into it, or the meeting's current
        end if the meeting was moved later since."""
        if len(token) > 2000:
            raise invitations.InvalidLink("too long to be one of ours")
        claims = invitations.rsvp_claims(token, self._link_secret, check_expiry=False)
        invitation = await self._repository.get_invitation(claims.invitation_id)
        meeting = await self._repository.get_meeting(claims.meeting_id)
        if invitation is None or meeting is None or invitation.meeting_id != meeting.id:
            raise invitations.InvalidLink("no such invitation")
        if datetime.now(UTC) >= max(claims.expires_at, meeting.ends_at):
            raise invitations.ExpiredLink("the meeting is over")
        person = await self._repository.get_participant(invitation.person_id)
        if person is not None and person.erased:
            raise invitations.InvalidLink("the person was erased")
        return invitation, meeting

    async def registration_of(self, meeting_id: str, person_id: str) -> Registration | None:
        found = await self._repository.registrations_of_people(meeting_id, [person_id])
        active = [r for r in found if r.status != "cancelled"]
        return max(active or found, key=lambda r: r.id) if found else None

    # registrations ------------------------------------------------------------------------
    async def register(
        self,
        meeting_id: str,
        choice: RegistrationCreate,
        idempotency_key: str | None = None,
        *,
        invitation_id: str | None = None,
    ) -> Registration:
        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            domain.check_registration(meeting, choice, datetime.now(UTC))
            participant = await self._known_person(choice.person_id, tx)
            await self._not_registered(meeting, participant, tx)
            return await self._admit(
                tx,
                meeting,
                participant,
                choice.topic_table_ids,
                invitation_id=invitation_id,
            )

        async with self._one_at_a_time(meeting_id):
            return await once(
                self._database, idempotency_key, f"registrations:{meeting_id}", work, Registration
            )

    async def register_group(
        self,
        meeting_id: str,
        group: GroupRegistrationCreate,
        idempotency_key: str | None = None,
        *,
        invitation_id: str | None = None,
    ) -> Registration:
        """One registration for a school group: the teacher's, holding every student's seat
        (by staff, or by the teacher through their personal link: ``invitation_id``)."""

        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            domain.check_open(meeting, datetime.now(UTC))
            domain.check_tables(meeting, group.topic_table_ids)
            teacher = await self._known_person(group.teacher_person_id, tx)
            if len(set(group.student_person_ids)) != len(group.student_person_ids):
                raise Unprocessable("a student is named twice")
            students = [await self._known_person(p, tx) for p in group.student_person_ids]
            for person in (teacher, *students):
                await self._not_registered(meeting, person, tx)
            return await self._admit(
                tx,
                meeting,
                teacher,
                group.topic_table_ids,
                seats=group.seats,
                kind="teacher",
                invitation_id=invitation_id,
                group_students=[
                    GroupMember(person_id=p.id, display_name=p.display_name) for p in students
                ],
            )

        async with self._one_at_a_time(meeting_id):
            return await once(
                self._database, idempotency_key, f"groups:{meeting_id}", work, Registration
            )

    async def _known_person(self, person_id: str, tx: Tx) -> Participant:
        participant = await self._repository.get_participant(person_id, tx.session)
        if participant is None or participant.erased:
            raise Unprocessable(
                f"unknown person {person_id}: create the person in contacts first",
                reason="unknown_person",
            )
        return participant

    async def _not_registered(self, meeting: Meeting, participant: Participant, tx: Tx) -> None:
        existing = await self._repository.active_registration_of(
            meeting.id, participant.id, tx.session
        )
        if existing is not None:
            raise Conflict(
                f"{participant.display_name} is registered already",
                registration_id=existing.id,
                reason="registered_already",
            )

    async def _admit(
        self,
        tx: Tx,
        meeting: Meeting,
        participant: Participant,
        table_ids: list[str],
        *,
        seats: int = 1,
        kind: str | None = None,
        invitation_id: str | None = None,
        group_students: list[GroupMember] | None = None,
        walk_in: bool = False,
    ) -> Registration:
        now = datetime.now(UTC)
        if walk_in:  # they are at the door: a seat, even beyond capacity
            status, position = "confirmed", None
            meeting = meeting.model_copy(update={"seats_taken": meeting.seats_taken + seats})
        else:
            status, meeting, position = domain.admit(meeting, seats)
        in_line = (
            await self._repository.count_waitlisted(meeting.id, tx.session) + 1
            if status == "waitlisted"
            else None
        )
        registration = Registration(
            id=new_id(),
            meeting_id=meeting.id,
            person_id=participant.id,
            display_name=participant.display_name,
            district=participant.district,
            organisation_id=participant.organisation_id,
            topic_table_ids=table_ids,
            status=status,
            waitlist_seq=position,
            created_at=now,
            updated_at=now,
            kind=kind or participant.kind,
            seats=seats,
            invitation_id=invitation_id,
            group_students=group_students or [],
            walk_in=walk_in,
            checked_in_at=now if walk_in else None,
        )
        if status == "confirmed":
            registration, meeting = await self._seat(meeting, registration, tx)
        await self._repository.save_meeting(meeting, tx.session)
        await self._repository.add_registration(registration, tx.session)
        if status == "confirmed":
            await self._announce(tx, RegistrationConfirmedV1, meeting, registration)
            if walk_in:
                tx.publish(registration_event(RegistrationCheckedInV1, meeting, registration))
        else:
            await self._announce(
                tx, RegistrationWaitlistedV1, meeting, registration, waitlist_position=in_line
            )
        return registration

    async def _announce(
        self,
        tx: Tx,
        event: type[RegistrationSnapshot],
        meeting: Meeting,
        registration: Registration,
        **extra: object,
    ) -> None:
        """A registration event with the person's RSVP link, if they were invited (the email
        about it can then offer to change, cancel or accept)."""
        invitation = await self._repository.invitation_of(
            meeting.id, registration.person_id, tx.session
        )
        url = self.rsvp_url(invitation) if invitation else None
        tx.publish(registration_event(event, meeting, registration, rsvp_url=url, **extra))

    async def _tables_moved(
        self, tx: Tx, meeting: Meeting, registration: Registration, reason: str, previous: list[str]
    ) -> None:
        await self._announce(
            tx, RegistrationTablesChangedV1, meeting, registration, reason=reason,
            previous_topic_table_ids=previous,
        )  # fmt: skip

    async def _seat(
        self, meeting: Meeting, registration: Registration, tx: Tx
    ) -> tuple[Registration, Meeting]:
        """Topic-table seats for a confirmed registration (its wishes kept as they are)."""
        if not registration.topic_table_ids or not meeting.topic_tables:
            return registration, meeting
        others = await self._repository.all_registrations(meeting.id, tx.session)
        taken = tables.occupancy(others, skip=registration.id)
        if meeting.table_selection == "choose":
            seats, next_seq = tables.choose(
                meeting, registration, registration.topic_table_ids, taken, meeting.waitlist_next
            )
            meeting = meeting.model_copy(update={"waitlist_next": next_seq})
        elif meeting.tables_assigned:  # a late one is placed as the assignment step would
            seats = tables.place(
                meeting,
                registration.model_copy(update={"table_seats": []}),
                taken,
                meeting.waitlist_next,
            )
            meeting = meeting.model_copy(update={"waitlist_next": meeting.waitlist_next + 1})
        else:
            return registration, meeting  # placed by the assignment step
        return registration.model_copy(update={"table_seats": seats}), meeting

    async def change_tables(
        self, meeting_id: str, registration_id: str, choice: TableChoice
    ) -> Registration:
        """New table choices (or ranking): seats kept where still wanted, freed seats passed on."""

        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            domain.check_open(meeting, datetime.now(UTC))
            domain.check_tables(meeting, choice.topic_table_ids)
            before = await self._registration(meeting_id, registration_id, tx)
            if before.status == "cancelled":
                raise Conflict("the registration is cancelled", reason="cancelled_registration")
            after = before.model_copy(
                update={"topic_table_ids": choice.topic_table_ids, "updated_at": datetime.now(UTC)}
            )
            if before.status == "confirmed" and meeting.table_selection == "choose":
                after = after.model_copy(
                    update={
                        "table_seats": [
                            s
                            for s in before.table_seats
                            if s.topic_table_id in choice.topic_table_ids
                        ]
                    }
                )
                after, meeting = await self._seat(meeting, after, tx)
            elif before.status == "confirmed":
                after = after.model_copy(update={"table_seats": []})
                after, meeting = await self._seat(meeting, after, tx)
            await self._repository.save_registration(after, tx.session)
            if tables_changed(before, after):
                await self._tables_moved(tx, meeting, after, "choice", before.topic_table_ids)
            await self._pass_on_table_seats(meeting, before, after, tx)
            await self._repository.save_meeting(meeting, tx.session)
            return after

        async with self._one_at_a_time(meeting_id):
            return await self._database.transaction(work)

    async def _pass_on_table_seats(
        self, meeting: Meeting, before: Registration, after: Registration, tx: Tx
    ) -> None:
        """Seats ``after`` gave up go to the first in each table's line; each who moved up is
        announced once (``table_move_up``), with all their seats as they are now."""
        moved: dict[str, Registration] = {}
        for table_id, round_ in tables.freed(before, after):
            everyone = await self._repository.all_registrations(meeting.id, tx.session)
            moving = tables.next_at_table(meeting, everyone, table_id, round_)
            if moving is not None:
                seated = tables.seat_at(moving, table_id, round_)
                moved[seated.id] = seated.model_copy(update={"updated_at": datetime.now(UTC)})
                await self._repository.save_registration(moved[seated.id], tx.session)
        for registration in moved.values():
            await self._tables_moved(
                tx, meeting, registration, "table_move_up", registration.topic_table_ids
            )

    async def assign_tables(self, meeting_id: str) -> TableAssignment:
        """The assignment step of a meeting whose registrations rank tables."""

        async def work(tx: Tx) -> TableAssignment:
            meeting = await self._meeting(meeting_id, tx)
            if meeting.table_selection != "rank":
                raise Conflict("this meeting's registrations choose tables directly")
            if meeting.status not in ("published", "draft"):
                raise Conflict(f"the meeting is {meeting.status}")
            everyone = await self._repository.all_registrations(meeting.id, tx.session)
            placed = tables.assign(meeting, everyone)
            now = datetime.now(UTC)
            lines = []
            for registration in everyone:
                if registration.id not in placed:
                    continue
                updated = registration.model_copy(
                    update={"table_seats": placed[registration.id], "updated_at": now}
                )
                await self._repository.save_registration(updated, tx.session)
                if tables_changed(registration, updated):  # run again: only who moved hears
                    await self._tables_moved(
                        tx, meeting, updated, "assignment", registration.topic_table_ids
                    )
                lines.append(
                    AssignedRegistration(
                        registration_id=updated.id,
                        display_name=updated.display_name,
                        table_seats=updated.table_seats,
                    )
                )
            meeting = meeting.model_copy(
                update={
                    "tables_assigned": True,
                    "waitlist_next": meeting.waitlist_next + len(lines),
                }
            )
            await self._repository.save_meeting(meeting, tx.session)
            return TableAssignment(meeting_id=meeting.id, registrations=lines)

        async with self._one_at_a_time(meeting_id):
            return await self._database.transaction(work)

    async def cancel(
        self, meeting_id: str, registration_id: str, *, by: str = "staff"
    ) -> Registration:
        """Cancel a registration; ``by`` says who: "staff" (the API) or "person" (the link)."""

        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            if meeting.status == "closed":
                raise Conflict("the meeting is over", reason="closed")
            registration = await self._registration(meeting_id, registration_id, tx)
            if registration.status == "cancelled":
                raise Conflict("the registration is cancelled already", reason="cancelled_already")
            return await self._withdraw(meeting, registration, tx, by)

        async with self._one_at_a_time(meeting_id):
            return await self._database.transaction(work)

    async def _withdraw(
        self, meeting: Meeting, registration: Registration, tx: Tx, reason: str
    ) -> Registration:
        """Cancel ``registration`` (``reason``: person, staff, offer_expired); its meeting
        seats and table seats go to the next in line."""
        previous = registration.status
        held = registration.holds_seats
        now = datetime.now(UTC)
        before = registration
        registration = registration.model_copy(
            update={
                "status": "cancelled",
                "waitlist_seq": None,
                "offer_expires_at": None,
                "updated_at": now,
            }
        )
        if held:
            meeting = domain.release_seat(meeting, "confirmed", registration.seats)
        await self._repository.save_registration(registration, tx.session)
        await self._announce(
            tx, RegistrationCancelledV1, meeting, registration, previous_status=previous,
            reason=reason,
        )  # fmt: skip
        await self._pass_on_table_seats(meeting, before, registration, tx)
        meeting = await self._move_up(meeting, tx, now)
        await self._repository.save_meeting(meeting, tx.session)
        return registration

    async def _move_up(self, meeting: Meeting, tx: Tx, now: datetime) -> Meeting:
        """Free seats go to the waitlist in order: confirmed at once, or offered for a while."""
        while True:
            waiting = [
                r
                for r in await self._repository.waitlisted(meeting.id, tx.session)
                if r.offer_expires_at is None
            ]
            moving_up = domain.next_to_move_up(meeting, waiting)
            if moving_up is None:
                return meeting
            meeting = meeting.model_copy(
                update={"seats_taken": meeting.seats_taken + moving_up.seats}
            )
            if meeting.move_up_offer_hours:
                offered = moving_up.model_copy(
                    update={
                        "offer_expires_at": now + timedelta(hours=meeting.move_up_offer_hours),
                        "updated_at": now,
                    }
                )
                await self._repository.save_registration(offered, tx.session)
                await self._announce(
                    tx,
                    RegistrationMoveUpOfferedV1,
                    meeting,
                    offered,
                    offer_expires_at=offered.offer_expires_at,
                )
                continue
            promoted = moving_up.model_copy(
                update={"status": "confirmed", "waitlist_seq": None, "updated_at": now}
            )
            promoted, meeting = await self._seat(meeting, promoted, tx)
            await self._repository.save_registration(promoted, tx.session)
            await self._announce(tx, RegistrationPromotedV1, meeting, promoted)

    async def accept_offer(self, meeting_id: str, registration_id: str) -> Registration:
        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            registration = await self._registration(meeting_id, registration_id, tx)
            now = datetime.now(UTC)
            if registration.status != "waitlisted" or registration.offer_expires_at is None:
                raise Conflict("there is no open offer for this registration", reason="no_offer")
            if registration.offer_expires_at <= now:
                raise Conflict("the offer has expired", reason="offer_expired")
            promoted = registration.model_copy(
                update={
                    "status": "confirmed",
                    "waitlist_seq": None,
                    "offer_expires_at": None,
                    "updated_at": now,
                }
            )
            promoted, meeting = await self._seat(meeting, promoted, tx)
            await self._repository.save_registration(promoted, tx.session)
            await self._repository.save_meeting(meeting, tx.session)
            await self._announce(tx, RegistrationPromotedV1, meeting, promoted)
            return promoted

        async with self._one_at_a_time(meeting_id):
            return await self._database.transaction(work)

    async def expire_offers(self, now: datetime | None = None) -> int:
        """Offers not accepted in time lapse (cancelled) and pass to the next in line."""
        now = now or datetime.now(UTC)
        lapsed = 0
        for registration in await self._repository.expired_offers(now):

            async def work(tx: Tx, registration: Registration = registration) -> bool:
                meeting = await self._meeting(registration.meeting_id, tx)
                current = await self._registration(meeting.id, registration.id, tx)
                offer = current.offer_expires_at
                if current.status != "waitlisted" or offer is None or offer > now:
                    return False  # accepted or cancelled meanwhile
                await self._withdraw(meeting, current, tx, "offer_expired")
                return True

            async with self._one_at_a_time(registration.meeting_id):
                lapsed += await self._database.transaction(work)
        return lapsed

    async def offer_expiry_worker(self, interval_s: float) -> None:
        while True:
            try:
                await self.expire_offers()
            except PyMongoError as error:
                log.warning("offers.expiry_failed", error=repr(error))
            await asyncio.sleep(interval_s)

    async def _registration(self, meeting_id: str, registration_id: str, tx: Tx) -> Registration:
        registration = await self._repository.get_registration(
            meeting_id, registration_id, tx.session
        )
        if registration is None:
            raise NotFound(f"no registration {registration_id} for event {meeting_id}")
        return registration

    # the day -----------------------------------------------------------------------------
    async def check_in(self, meeting_id: str, code: str) -> CheckIn:
        async def work(tx: Tx) -> CheckIn:
            meeting = await self._meeting(meeting_id, tx)
            registration = await self._repository.by_check_in_code(meeting_id, code, tx.session)
            if registration is None:
                raise NotFound(
                    "no registration with this check-in code for this event", reason="unknown_code"
                )
            registration, arrived = domain.check_in(registration, datetime.now(UTC))
            if arrived:
                await self._repository.save_registration(registration, tx.session)
                tx.publish(registration_event(RegistrationCheckedInV1, meeting, registration))
            return CheckIn(registration=registration, already_checked_in=not arrived)

        return await self._database.transaction(work)

    async def walk_in(self, meeting_id: str, body: WalkInCreate) -> CheckIn:
        """Register and check in on the spot, past the deadline and beyond capacity."""

        async def work(tx: Tx) -> CheckIn:
            meeting = await self._meeting(meeting_id, tx)
            domain.check_open(meeting, datetime.now(UTC), walk_in=True)
            domain.check_tables(meeting, body.topic_table_ids)
            if body.person_id:
                participant = await self._known_person(body.person_id, tx)
                existing = await self._repository.active_registration_of(
                    meeting.id, participant.id, tx.session
                )
                if existing is not None:
                    return await self._arrive(meeting, existing, tx)
            else:
                domain.check_districts([body.district or ""], self._districts)
                participant = Participant(
                    id=f"walk-in-{new_id()}",
                    display_name=f"{body.first_name} {body.last_name}",
                    district=body.district or "",
                    kind=body.kind,
                )
            registration = await self._admit(
                tx,
                meeting,
                participant,
                body.topic_table_ids,
                walk_in=True,
                kind=body.kind if not body.person_id else None,
            )
            return CheckIn(registration=registration, already_checked_in=False)

        async with self._one_at_a_time(meeting_id):
            return await self._database.transaction(work)

    async def _arrive(self, meeting: Meeting, registration: Registration, tx: Tx) -> CheckIn:
        """Someone registered (perhaps still waiting) turns up: seat and check in."""
        now = datetime.now(UTC)
        if registration.status == "waitlisted":
            if not registration.holds_seats:
                meeting = meeting.model_copy(
                    update={"seats_taken": meeting.seats_taken + registration.seats}
                )
            registration = registration.model_copy(
                update={"status": "confirmed", "waitlist_seq": None, "offer_expires_at": None}
            )
            registration, meeting = await self._seat(meeting, registration, tx)
            await self._repository.save_meeting(meeting, tx.session)
            await self._announce(tx, RegistrationPromotedV1, meeting, registration)
        registration, arrived = domain.check_in(registration, now)
        await self._repository.save_registration(registration, tx.session)
        if arrived:
            tx.publish(registration_event(RegistrationCheckedInV1, meeting, registration))
        return CheckIn(registration=registration, already_checked_in=not arrived)

    async def record_visit(self, meeting_id: str, visit: TableVisitCreate) -> Registration:
        """Attendance per topic table and round (the table host ticks people off)."""

        async def work(tx: Tx) -> Registration:
            meeting = await self._meeting(meeting_id, tx)
            if meeting.table(visit.topic_table_id) is None:
                raise Unprocessable(
                    f"meeting {meeting.id} has no topic table {visit.topic_table_id}"
                )
            if visit.round > meeting.round_count:
                raise Unprocessable(f"the meeting has {meeting.round_count} round(s)")
            if visit.code:
                registration = await self._repository.by_check_in_code(
                    meeting_id, visit.code, tx.session
                )
                if registration is None:
                    raise NotFound("no registration with this check-in code for this event")
            else:
                registration = await self._registration(meeting_id, visit.registration_id or "", tx)
            if registration.checked_in_at is None:
                raise Conflict(f"{registration.display_name} is not checked in")
            seen = {(v.topic_table_id, v.round) for v in registration.table_visits}
            if (visit.topic_table_id, visit.round) not in seen:
                registration = registration.model_copy(
                    update={
                        "table_visits": [
                            *registration.table_visits,
                            TableVisit(
                                topic_table_id=visit.topic_table_id,
                                round=visit.round,
                                at=datetime.now(UTC),
                            ),
                        ]
                    }
                )
                await self._repository.save_registration(registration, tx.session)
            return registration

        return await self._database.transaction(work)

    @property
    def districts(self) -> list[str]:
        return list(self._districts)

    async def table_occupancy(self, meeting_id: str) -> dict[str, int]:
        """Seats taken per topic table in the first round (what the RSVP page shows)."""
        taken = tables.occupancy(await self._repository.all_registrations(meeting_id))
        return {table_id: n for (table_id, round_), n in taken.items() if round_ == 1}

    async def check_in_counts(self, meeting_id: str) -> tuple[int, int]:
        """(checked in, confirmed) registrations, for the check-in desk."""
        everyone = await self._repository.all_registrations(meeting_id)
        confirmed = [r for r in everyone if r.status == "confirmed"]
        return sum(r.checked_in_at is not None for r in confirmed), len(confirmed)

    async def search_registrations(self, meeting_id: str, name: str) -> list[Registration]:
        """For the check-in desk: registrations whose name contains ``name`` (any case)."""
        wanted = name.casefold().strip()
        everyone = await self._repository.all_registrations(meeting_id)
        return [
            r
            for r in everyone
            if wanted
            and r.status != "cancelled"
            and (
                wanted in r.display_name.casefold()
                or any(wanted in s.display_name.casefold() for s in r.group_students)
            )
        ][:20]

    async def close_meeting(self, meeting_id: str) -> Meeting:
        """After the day: confirmed but never checked in -> no-show, each announced."""

        async def work(tx: Tx) -> Meeting:
            meeting = await self._meeting(meeting_id, tx)
            everyone = await self._repository.all_registrations(meeting.id, tx.session)
            meeting, no_shows = domain.close(meeting, everyone, datetime.now(UTC))
            await self._repository.save_meeting(meeting, tx.session)
            for registration in no_shows:
                await self._repository.save_registration(registration, tx.session)
                tx.publish(registration_event(RegistrationNoShowV1, meeting, registration))
            tx.publish(meeting_event(MeetingClosedV1, meeting, no_shows=len(no_shows)))
            return meeting

        async with self._one_at_a_time(meeting_id):
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

    # after the meeting --------------------------------------------------------------------
    async def record_outcomes(self, meeting_id: str, body: OutcomesCreate) -> list[Outcome]:
        async def work(tx: Tx) -> list[Outcome]:
            meeting = await self._meeting(meeting_id, tx)
            everyone = await self._repository.all_registrations(meeting.id, tx.session)
            now = datetime.now(UTC)
            made = []
            for item in body.outcomes:
                if not (item.organisation_id or item.person_id):
                    raise Unprocessable("an outcome is about an organisation or a person")
                outcome = Outcome(
                    id=new_id(),
                    meeting_id=meeting.id,
                    attended=report.attended(everyone, item.organisation_id, item.person_id),
                    recorded_at=now,
                    **item.model_dump(),
                )
                made.append(outcome)
                tx.publish(
                    MeetingOutcomeRecordedV1(
                        outcome_id=outcome.id,
                        meeting_id=meeting.id,
                        meeting_title=meeting.title,
                        organisation_id=outcome.organisation_id,
                        person_id=outcome.person_id,
                        attended=outcome.attended,
                        note=outcome.note,
                        follow_ups=outcome.follow_ups,
                        recorded_by=outcome.recorded_by,
                        recorded_at=now,
                    )
                )
            await self._repository.add_outcomes(made, tx.session)
            return made

        return await self._database.transaction(work)

    async def list_outcomes(self, meeting_id: str, page: PageParams) -> Page[Outcome]:
        await self.get_meeting(meeting_id)
        return page_of(await self._repository.list_outcomes(meeting_id, page), page, lambda o: o.id)

    async def report(self, meeting_id: str) -> report.MeetingReport:
        meeting = await self.get_meeting(meeting_id)
        return report.build(
            meeting,
            await self._repository.all_registrations(meeting_id),
            await self._repository.invited_by_district(meeting_id),
            await self._repository.organisation_names(),
        )

    # contacts read model ------------------------------------------------------------------
    async def remember_person(self, person: PersonSnapshot, tx: Tx) -> None:
        known = await self._repository.get_participant(person.person_id, tx.session)
        if known is not None and known.erased:
            return  # an erased person stays forgotten, even if an old event arrives late
        await self._repository.upsert_participant(people.from_snapshot(person), tx.session)

    async def remember_organisation(self, organisation: OrganisationSnapshot, tx: Tx) -> None:
        await self._repository.upsert_organisation(organisation.model_dump(mode="json"), tx.session)

    async def organisations_merged(self, event: OrganisationsMergedV1, tx: Tx) -> None:
        await self._repository.mark_merged(
            event.merged_organisation_id, event.surviving_organisation_id, tx.session
        )
        await self._repository.move_people(
            event.merged_organisation_id, event.surviving_organisation_id, tx.session
        )
        for person in await self._repository.members_of(event.merged_organisation_id, tx.session):
            moved = people.merged(
                person, event.merged_organisation_id, event.surviving_organisation_id
            )
            await self._repository.upsert_participant(moved, tx.session)

    async def consent_changed(self, event: ConsentChangedV1, tx: Tx) -> None:
        """A consent given or withdrawn (e.g. by an unsubscribe link) counts at once."""
        person = await self._repository.get_participant(event.person_id, tx.session)
        if person is None or person.erased:
            return  # the person's snapshot will carry it
        consents = set(person.consents) - {event.purpose}
        if event.granted:
            consents.add(event.purpose)
        update: dict[str, object] = {"consents": sorted(consents)}
        if event.purpose == "invitations":
            update["email_consent"] = event.granted
        await self._repository.upsert_participant(person.model_copy(update=update), tx.session)

    async def person_erased(self, event: PersonErasedV1, tx: Tx) -> None:
        await self._repository.erase_person(event.person_id, tx.session)

    async def segment_saved(self, event: SegmentSavedV1, tx: Tx) -> None:
        await self._repository.save_segment(
            event.segment_id, event.name, event.filter.model_dump(mode="json"), tx.session
        )

    async def segment_deleted(self, event: SegmentDeletedV1, tx: Tx) -> None:
        await self._repository.delete_segment(event.segment_id, tx.session)
