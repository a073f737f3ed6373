"""Contacts use cases: each change is written with its events in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from pydantic import BaseModel

from aiq_contacts import consent, domain, history, listing, memberships, names, snapshots
from aiq_contacts.consent import ConsentChange, ConsentRecord
from aiq_contacts.domain import (
    Organisation,
    OrganisationCreate,
    OrganisationCreated,
    OrganisationUpdate,
    Person,
    PersonCreate,
    PersonUpdate,
    PossibleDuplicate,
)
from aiq_contacts.history import FollowUp, FollowUpWrite, Interaction, InteractionWrite
from aiq_contacts.listing import CountedPage, ListQuery
from aiq_contacts.reference import Reference
from aiq_contacts.repository import ContactsRepository
from aiq_contacts.segments import Segment, SegmentWrite
from aiq_contacts.settings import ContactsSettings
from aiq_shared.contracts.contacts import (
    ConsentChangedV1,
    DoubleOptInRequestedV1,
    FollowUpDoneV1,
    FollowUpOpenedV1,
    OrganisationCreatedV1,
    OrganisationsMergedV1,
    OrganisationUpdatedV1,
    PersonCreatedV1,
    PersonErasedV1,
    PersonUpdatedV1,
    SegmentDeletedV1,
    SegmentSavedV1,
)
from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from aiq_shared.errors import Conflict, NotFound, Unprocessable
from aiq_shared.idempotency import COLLECTION as IDEMPOTENCY_KEYS
from aiq_shared.idempotency import once
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id

log = structlog.get_logger(__name__)


def now() -> datetime:
    """Now, to the millisecond: what MongoDB keeps, so a response equals a later read."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class OptInRequested(BaseModel):
    request_id: str
    person_id: str
    purpose: str
    text_version: str
    requested_at: datetime


class PersonExport(BaseModel):
    """Everything the contacts service holds about one person (Art. 15 DSGVO)."""

    exported_at: datetime
    person: Person
    organisation: Organisation | None
    organisations: list[Organisation] = []  # every one the person belongs to, the main first
    consent_history: list[ConsentRecord]
    double_opt_in_requests: list[OptInRequested]
    interactions: list[Interaction]
    follow_ups: list[FollowUp]


class ErasureReceipt(BaseModel):
    person_id: str
    erased_at: datetime


class ContactsService:
    def __init__(self, database: Database, settings: ContactsSettings) -> None:
        self._database = database
        self._repository = ContactsRepository(database)
        self._districts = list(settings.districts)
        self.reference = Reference.from_settings(settings)
        self._text_version = settings.consent_text_version

    # -- organisations ---------------------------------------------------------------------

    async def _possible_duplicates(
        self, organisation: Organisation, tx: Tx
    ) -> list[PossibleDuplicate]:
        postcode = organisation.address.postcode if organisation.address else None
        return [
            PossibleDuplicate(
                id=other.id,
                name=other.name,
                postcode=other.address.postcode if other.address else None,
            )
            for other in await self._repository.organisations_named_like(
                organisation.name, tx.session
            )
            if other.id != organisation.id
            and names.looks_like_same_organisation(
                organisation.name,
                postcode,
                other.name,
                other.address.postcode if other.address else None,
            )
        ]

    async def add_organisation(self, data: OrganisationCreate, tx: Tx) -> OrganisationCreated:
        organisation = self.reference.settle(Organisation(id=new_id(), **data.model_dump()))
        duplicates = await self._possible_duplicates(organisation, tx)
        await self._repository.organisations.add(organisation, tx.session)
        tx.publish(snapshots.organisation_event(OrganisationCreatedV1, organisation))
        return OrganisationCreated(**organisation.model_dump(), possible_duplicates=duplicates[:10])

    async def create_organisation(
        self, data: OrganisationCreate, idempotency_key: str | None = None
    ) -> OrganisationCreated:
        async def work(tx: Tx) -> OrganisationCreated:
            return await self.add_organisation(data, tx)

        return await once(
            self._database, idempotency_key, "organisations", work, OrganisationCreated
        )

    async def update_organisation(
        self, organisation_id: str, update: OrganisationUpdate
    ) -> Organisation:
        async def work(tx: Tx) -> Organisation:
            organisation = await self._organisation(organisation_id, tx)
            changed = self.reference.settle(
                domain.update_organisation(organisation, update),
                officer_given="officer" in update.model_fields_set,
            )
            if changed != organisation:
                await self._repository.organisations.replace(changed, tx.session)
                tx.publish(snapshots.organisation_event(OrganisationUpdatedV1, changed))
            return changed

        return await self._database.transaction(work)

    async def _organisation(self, organisation_id: str, tx: Tx | None = None) -> Organisation:
        session = tx.session if tx else None
        organisation = await self._repository.get_organisation(organisation_id, session)
        if organisation is None:
            raise NotFound(f"no organisation {organisation_id}")
        return organisation

    async def get_organisation(self, organisation_id: str) -> Organisation:
        return await self._organisation(organisation_id)

    async def list_organisations(self, query: ListQuery) -> CountedPage[Organisation]:
        return await self._repository.organisations.page(
            listing.organisation_query(query.filter, query.q, query.industry_sections), query
        )

    async def merge_organisations(self, surviving_id: str, merged_id: str) -> Organisation:
        """Fold ``merged_id`` into ``surviving_id``: people, history and follow-ups move."""
        if surviving_id == merged_id:
            raise Unprocessable("an organisation cannot be merged into itself")

        async def work(tx: Tx) -> Organisation:
            surviving = await self._organisation(surviving_id, tx)
            merged = await self._repository.get_organisation(merged_id, tx.session)
            if merged is None:
                raise Unprocessable(f"no organisation {merged_id} to merge")
            combined = self.reference.settle(
                domain.merge_organisations(surviving, merged), officer_given=False
            )
            for person in await self._repository.members_of(merged_id, tx.session):
                places = memberships.moved(person.memberships, merged_id, surviving_id)
                moved = Person.model_validate(person.model_dump() | {"memberships": places})
                await self._repository.people.replace(moved, tx.session)
                tx.publish(snapshots.person_event(PersonUpdatedV1, moved))
            for store in (self._repository.interactions, self._repository.follow_ups):
                await store.collection.update_many(
                    {"organisation_id": merged_id},
                    {"$set": {"organisation_id": surviving_id}},
                    session=tx.session,
                )
            await self._repository.organisations.delete(merged_id, tx.session)
            if combined != surviving:
                await self._repository.organisations.replace(combined, tx.session)
                tx.publish(snapshots.organisation_event(OrganisationUpdatedV1, combined))
            tx.publish(
                OrganisationsMergedV1(
                    surviving_organisation_id=surviving_id, merged_organisation_id=merged_id
                )
            )
            return combined

        return await self._database.transaction(work)

    # -- people ----------------------------------------------------------------------------

    async def _person(self, person_id: str, tx: Tx | None = None) -> Person:
        person = await self._repository.get_person(person_id, tx.session if tx else None)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person

    async def _organisation_of(self, organisation_id: str | None, tx: Tx) -> Organisation | None:
        if organisation_id is None:
            return None
        organisation = await self._repository.get_organisation(organisation_id, tx.session)
        if organisation is None:
            raise Unprocessable(f"no organisation {organisation_id}")
        return organisation

    async def _organisations_of(self, person: Person, tx: Tx) -> Organisation | None:
        """The person's main organisation, once every organisation they belong to is known."""
        ids = {m.organisation_id for m in person.memberships}
        found = await self._repository.organisations_by_id(ids, tx.session)
        if missing := sorted(ids - set(found)):
            raise Unprocessable(f"no organisation {missing[0]}")
        return found.get(person.organisation_id or "")

    async def _claim_addresses(self, person: Person, addresses: list[str], tx: Tx) -> None:
        """The addresses become the person's, or 409 naming who has one already."""
        for address in addresses:
            existing = await self._repository.find_person_by_email(address, tx.session)
            if existing is not None and existing.id != person.id:
                raise Conflict(
                    f"a person with email {address} exists already",
                    existing_person_id=existing.id,
                )
        holder = await self._repository.claim_addresses(person.id, addresses, tx.session)
        if holder is not None:
            raise Conflict("a person with this email exists already", existing_person_id=holder)

    async def add_person(
        self,
        data: PersonCreate,
        tx: Tx,
        consent_source: str = "staff",
        organisation: Organisation | None = None,
    ) -> Person:
        if organisation is None:
            main = memberships.main_id(data.organisation_id, data.memberships)
            organisation = await self._organisation_of(main, tx)
        district = domain.require_district(
            domain.person_district(data.district, organisation), self._districts
        )
        person = domain.new_person(
            new_id(),
            data.model_copy(update={"organisation_id": organisation.id if organisation else None}),
            district,
            organisation,
        )
        await self._organisations_of(person, tx)
        consent.require_consentable(person.email, person.kind, data.email_consent)
        await self._claim_addresses(person, person.addresses, tx)
        record = None
        if data.email_consent:
            record = self._new_record(person.id, consent.INVITATIONS, True, consent_source)
            person = domain.with_consent(person, record)
        await self._repository.people.add(person, tx.session)
        tx.publish(snapshots.person_event(PersonCreatedV1, person))
        if record is not None:  # announced by PersonCreatedV1 itself (``consents``)
            await self._store_consent(record, tx, announce=False)
        return person

    async def create_person(self, data: PersonCreate, idempotency_key: str | None = None) -> Person:
        if data.email_consent and not data.email:
            raise Unprocessable("email consent needs an email address")

        async def work(tx: Tx) -> Person:
            return await self.add_person(data, tx)

        return await once(self._database, idempotency_key, "people", work, Person)

    async def update_person(self, person_id: str, update: PersonUpdate) -> Person:
        if update.district is not None:
            domain.require_district(update.district, self._districts)

        async def work(tx: Tx) -> Person:
            person = await self._person(person_id, tx)
            changed = domain.apply_update(person, update)
            domain.check_person(changed, await self._organisations_of(changed, tx))
            new_addresses = [a for a in changed.addresses if a not in person.addresses]
            gone = [a for a in person.addresses if a not in changed.addresses]
            await self._claim_addresses(changed, new_addresses, tx)
            if gone:
                await self._repository.release_addresses(person.id, gone, tx.session)
            record = None
            if changed.email_consent != person.email_consent:
                consent.require_consentable(changed.email, changed.kind, changed.email_consent)
                record = self._new_record(
                    person.id, consent.INVITATIONS, changed.email_consent, "staff"
                )
            if changed != person:
                await self._repository.people.replace(changed, tx.session)
                tx.publish(snapshots.person_event(PersonUpdatedV1, changed))
            if record is not None:
                await self._store_consent(record, tx)
            return changed

        return await self._database.transaction(work)

    async def get_person(self, person_id: str) -> Person:
        return await self._person(person_id)

    async def list_people(
        self, query: ListQuery, organisation_id: str | None = None
    ) -> CountedPage[Person]:
        return await self._repository.people.page(
            await self._repository.person_query(query, organisation_id), query
        )

    # -- consent -----------------------------------------------------------------------------

    def _new_record(
        self,
        person_id: str,
        purpose: str,
        granted: bool,
        source: str,
        text_version: str | None = None,
        **details: str | None,
    ) -> ConsentRecord:
        version = text_version or self._text_version
        return consent.record(
            new_id(), person_id, purpose, granted, source, version, now(), **details
        )

    async def _store_consent(self, record: ConsentRecord, tx: Tx, announce: bool = True) -> None:
        await self._repository.consents.add(record, tx.session)
        if announce:
            tx.publish(
                ConsentChangedV1(
                    person_id=record.person_id,
                    purpose=record.purpose,
                    granted=record.granted,
                    source=record.source,
                    text_version=record.text_version,
                    recorded_at=record.recorded_at,
                )
            )

    async def _change_consent(self, person: Person, record: ConsentRecord, tx: Tx) -> Person:
        changed = domain.with_consent(person, record)
        if changed != person:
            await self._repository.people.replace(changed, tx.session)
            tx.publish(snapshots.person_event(PersonUpdatedV1, changed))
        await self._store_consent(record, tx)
        return changed

    async def record_consent(self, person_id: str, change: ConsentChange) -> Person:
        async def work(tx: Tx) -> Person:
            person = await self._person(person_id, tx)
            consent.require_consentable(person.email, person.kind, change.granted)
            record = self._new_record(
                person.id,
                change.purpose,
                change.granted,
                change.source,
                change.text_version,
                recorded_by=change.recorded_by,
                note=change.note,
            )
            return await self._change_consent(person, record, tx)

        return await self._database.transaction(work)

    async def consent_history(self, person_id: str) -> list[ConsentRecord]:
        await self._person(person_id)
        return await self._repository.consents.find(
            {"person_id": person_id}, sort=[("recorded_at", 1), ("_id", 1)]
        )

    async def request_double_opt_in(self, person_id: str, purpose: str) -> OptInRequested:
        async def work(tx: Tx) -> OptInRequested:
            person = await self._person(person_id, tx)
            consent.require_consentable(person.email, person.kind, True)
            request = OptInRequested(
                request_id=new_id(),
                person_id=person.id,
                purpose=purpose,
                text_version=self._text_version,
                requested_at=now(),
            )
            await self._repository.opt_in_requests.insert_one(
                {"_id": request.request_id, **request.model_dump(), "status": "pending"},
                session=tx.session,
            )
            tx.publish(
                DoubleOptInRequestedV1(
                    request_id=request.request_id,
                    person_id=person.id,
                    email=person.email,  # type: ignore[arg-type]
                    first_name=person.first_name,
                    last_name=person.last_name or "",
                    district=person.district,
                    purpose=purpose,  # type: ignore[arg-type]
                    text_version=request.text_version,
                    requested_at=request.requested_at,
                )
            )
            return request

        return await self._database.transaction(work)

    async def consent_confirmed(self, event: ConsentConfirmedV1, tx: Tx) -> None:
        """The person clicked the double opt-in link: the consent is given."""
        request = await self._repository.opt_in_requests.find_one(
            {"_id": event.request_id, "person_id": event.person_id, "purpose": event.purpose},
            session=tx.session,
        )
        person = await self._repository.get_person(event.person_id, tx.session)
        if request is None or person is None or not person.email:
            log.warning("consent.confirmation_ignored", request_id=event.request_id)
            return  # not asked for by us, or the person is gone
        record = self._new_record(
            person.id,
            event.purpose,
            True,
            "double-opt-in",
            event.text_version,
            request_id=event.request_id,
        )
        await self._change_consent(person, record, tx)
        await self._repository.opt_in_requests.update_one(
            {"_id": event.request_id},
            {"$set": {"status": "confirmed", "confirmed_at": event.confirmed_at}},
            session=tx.session,
        )

    async def consent_withdrawn(self, event: ConsentWithdrawnV1, tx: Tx) -> None:
        """Consent withdrawn elsewhere (an email's unsubscribe link): record it, tell everyone."""
        person = await self._repository.get_person(event.person_id, tx.session)
        if person is None or event.purpose not in person.consents:
            return
        record = self._new_record(person.id, event.purpose, False, event.source)
        await self._change_consent(person, record, tx)

    # -- data subject rights ------------------------------------------------------------------

    async def export_person(self, person_id: str) -> PersonExport:
        person = await self._person(person_id)
        ids = [m.organisation_id for m in person.memberships]
        found = await self._repository.organisations_by_id(ids)
        requests = await self._repository.opt_in_requests.find({"person_id": person_id}).to_list()
        return PersonExport(
            exported_at=now(),
            person=person,
            organisation=found.get(person.organisation_id or ""),
            organisations=[found[i] for i in ids if i in found],
            consent_history=await self.consent_history(person_id),
            double_opt_in_requests=[OptInRequested.model_validate(r) for r in requests],
            interactions=await self._repository.interactions.find({"person_id": person_id}),
            follow_ups=await self._repository.follow_ups.find({"person_id": person_id}),
        )

    async def erase_person(self, person_id: str) -> ErasureReceipt:
        """Art. 17 DSGVO: forget the person in every collection; tell every service."""

        async def work(tx: Tx) -> ErasureReceipt:
            person = await self._person(person_id, tx)
            erased_at = now()
            session = tx.session
            repo = self._repository
            await repo.people.delete(person.id, session)
            await repo.release_addresses(person.id, session=session)
            by_person = {"person_id": person.id}
            await repo.consents.collection.delete_many(by_person, session=session)
            await repo.opt_in_requests.delete_many(by_person, session=session)
            await repo.interactions.collection.delete_many(by_person, session=session)
            # a follow-up about the organisation stays, without the person
            follow_ups = repo.follow_ups.collection
            await follow_ups.delete_many({**by_person, "organisation_id": None}, session=session)
            await follow_ups.update_many(by_person, {"$set": {"person_id": None}}, session=session)
            await self._database[IDEMPOTENCY_KEYS].delete_many(
                {"response.id": person.id}, session=session
            )
            await repo.erased.insert_one(
                {"_id": person.id, "erased_at": erased_at}, session=session
            )
            tx.publish(PersonErasedV1(person_id=person.id, erased_at=erased_at))
            return ErasureReceipt(person_id=person.id, erased_at=erased_at)

        return await self._database.transaction(work)

    # -- segments -----------------------------------------------------------------------------

    async def save_segment(self, data: SegmentWrite, segment_id: str | None = None) -> Segment:
        async def work(tx: Tx) -> Segment:
            if (
                segment_id is not None
                and await self._repository.segments.get(segment_id, tx.session) is None
            ):
                raise NotFound(f"no segment {segment_id}")
            segment = Segment(id=segment_id or new_id(), updated_at=now(), **data.model_dump())
            await self._repository.segments.replace(segment, tx.session, upsert=True)
            tx.publish(SegmentSavedV1(segment_id=segment.id, name=segment.name, filter=data.filter))
            return segment

        return await self._database.transaction(work)

    async def get_segment(self, segment_id: str) -> Segment:
        segment = await self._repository.segments.get(segment_id)
        if segment is None:
            raise NotFound(f"no segment {segment_id}")
        return segment

    async def list_segments(self, query: ListQuery) -> CountedPage[Segment]:
        return await self._repository.segments.page({}, query)

    async def delete_segment(self, segment_id: str) -> None:
        async def work(tx: Tx) -> None:
            if await self._repository.segments.get(segment_id, tx.session) is None:
                raise NotFound(f"no segment {segment_id}")
            await self._repository.segments.delete(segment_id, tx.session)
            tx.publish(SegmentDeletedV1(segment_id=segment_id))

        await self._database.transaction(work)

    async def segment_members(self, segment_id: str, query: ListQuery) -> CountedPage[Person]:
        segment = await self.get_segment(segment_id)
        return await self.list_people(query.model_copy(update={"filter": segment.filter}))

    # -- contact history ------------------------------------------------------------------------

    async def add_interaction(
        self,
        data: InteractionWrite,
        organisation_id: str | None = None,
        person_id: str | None = None,
    ) -> Interaction:
        async def work(tx: Tx) -> Interaction:
            org_id, about = organisation_id, person_id or data.person_id
            if org_id is not None:
                await self._organisation(org_id, tx)
            if about is not None:
                person = await self._repository.get_person(about, tx.session)
                if person is None:
                    raise (NotFound if person_id else Unprocessable)(f"no person {about}")
                org_id = org_id or person.organisation_id
            interaction = Interaction(
                id=new_id(),
                kind=data.kind,
                organisation_id=org_id,
                person_id=about,
                text=data.text,
                occurred_at=data.occurred_at or now(),
                author=data.author,
            )
            await self._repository.interactions.add(interaction, tx.session)
            tx.publish(snapshots.interaction_recorded(interaction))
            return interaction

        return await self._database.transaction(work)

    async def list_interactions(
        self, query: ListQuery, organisation_id: str | None = None, person_id: str | None = None
    ) -> CountedPage[Interaction]:
        if organisation_id is not None:
            await self._organisation(organisation_id)
            selector = {"organisation_id": organisation_id}
        else:
            await self._person(person_id)  # type: ignore[arg-type]
            selector = {"person_id": person_id}
        return await self._repository.interactions.page(selector, query)

    async def create_follow_up(self, data: FollowUpWrite) -> FollowUp:
        history.require_subject(data.organisation_id, data.person_id)

        async def work(tx: Tx) -> FollowUp:
            await self._organisation_of(data.organisation_id, tx)
            if data.person_id is not None:
                if await self._repository.get_person(data.person_id, tx.session) is None:
                    raise Unprocessable(f"no person {data.person_id}")
            follow_up = FollowUp(id=new_id(), created_at=now(), **data.model_dump())
            await self._repository.follow_ups.add(follow_up, tx.session)
            tx.publish(snapshots.follow_up_event(FollowUpOpenedV1, follow_up))
            return follow_up

        return await self._database.transaction(work)

    async def complete_follow_up(self, follow_up_id: str) -> FollowUp:
        async def work(tx: Tx) -> FollowUp:
            follow_up = await self._repository.follow_ups.get(follow_up_id, tx.session)
            if follow_up is None:
                raise NotFound(f"no follow-up {follow_up_id}")
            if follow_up.status == "done":
                return follow_up  # done already: nothing changes, nothing to announce
            done = history.mark_done(follow_up, now())
            await self._repository.follow_ups.replace(done, tx.session)
            tx.publish(snapshots.follow_up_event(FollowUpDoneV1, done))
            return done

        return await self._database.transaction(work)

    async def list_follow_ups(
        self,
        query: ListQuery,
        owner: str | None = None,
        status: str | None = None,
        organisation_id: str | None = None,
        person_id: str | None = None,
    ) -> CountedPage[FollowUp]:
        selector = {
            key: value
            for key, value in (
                ("owner", owner),
                ("status", status),
                ("organisation_id", organisation_id),
                ("person_id", person_id),
            )
            if value is not None
        }
        return await self._repository.follow_ups.page(selector, query)
