"""The contacts read model: kept up to date from ``aiq.contacts`` (in the consumer's
transaction), read by the other subjects (who may be invited, registered, named)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiq_events.directory import rules
from aiq_events.directory.repository import (
    OrganisationsRepository,
    PeopleRepository,
    SegmentsRepository,
    StoredAnswers,
)
from aiq_events.directory.rules import Participant, Segment
from aiq_shared.audit import changed_fields
from aiq_shared.contracts.contacts import (
    ConsentChangedV1,
    OrganisationSnapshot,
    PersonSnapshot,
    SegmentDeletedV1,
    SegmentSavedV1,
)
from aiq_shared.errors import Unprocessable
from aiq_shared.mongo import Tx
from aiq_shared.scope import Scope
from aiq_shared.targeting import ContactFilter


def _session(tx: Tx | None):  # type: ignore[no-untyped-def]
    return tx.session if tx is not None else None


@dataclass(frozen=True)
class Directory:
    people_db: PeopleRepository
    organisations_db: OrganisationsRepository
    segments_db: SegmentsRepository
    answers_db: StoredAnswers

    # what contacts tells ------------------------------------------------------------------
    async def remember_person(self, person: PersonSnapshot, tx: Tx) -> None:
        known = await self.people_db.get(person.person_id, tx.session)
        if known is not None and known.erased:
            return  # an erased person stays forgotten, even if an old event arrives late
        await self._keep(known, rules.from_snapshot(person), tx)

    async def remember_organisation(self, organisation: OrganisationSnapshot, tx: Tx) -> None:
        """The organisation as contacts describes it; its people are visible where it is."""
        before = await self.organisations_db.get(organisation.organisation_id, tx.session)
        await self.organisations_db.remember(organisation, tx.session)
        action = "created" if before is None else "updated"
        tx.audit("organisation", organisation.organisation_id, action,
                 changed_fields(before, organisation))  # fmt: skip
        for person in await self.people_db.belonging_to(organisation.organisation_id, tx.session):
            await self._keep(person, person, tx)

    async def consent_changed(self, event: ConsentChangedV1, tx: Tx) -> None:
        person = await self.people_db.get(event.person_id, tx.session)
        if person is None or person.erased:
            return  # the person's snapshot will carry it
        await self._keep(person, rules.with_consent(person, event), tx)

    async def _keep(self, before: Participant | None, person: Participant, tx: Tx) -> None:
        """A person written with the districts they are visible in (their own and their
        organisations'), and in the audit trail if anything changed."""
        organisations = await self.organisations_db.of_ids(person.organisation_ids, tx.session)
        person = rules.with_districts(person, organisations)
        fields = changed_fields(before, person)
        if before is not None and not fields:
            return
        await self.people_db.save(person, tx.session)
        tx.audit("participant", person.id, "created" if before is None else "updated", fields)

    async def segment_saved(self, event: SegmentSavedV1, tx: Tx) -> None:
        segment = Segment(
            id=event.segment_id, name=event.name, filter=event.filter.model_dump(mode="json")
        )
        await self.segments_db.save(segment, tx.session)
        tx.audit("segment", segment.id, "saved", ["filter", "name"])

    async def segment_deleted(self, event: SegmentDeletedV1, tx: Tx) -> None:
        await self.segments_db.delete(event.segment_id, tx.session)
        tx.audit("segment", event.segment_id, "deleted")

    # reading ------------------------------------------------------------------------------
    async def person(self, person_id: str, tx: Tx | None = None) -> Participant | None:
        return await self.people_db.get(person_id, _session(tx))

    async def known_person(self, person_id: str, tx: Tx, scope: Scope) -> Participant:
        """The person, or 422 ``unknown_person`` (not known here, erased, or outside the
        caller's districts: as if unknown)."""
        return rules.known(await self.people_db.visible(person_id, scope, tx.session), person_id)

    async def teacher(self, person_id: str) -> Participant | None:
        return rules.teacher(await self.people_db.get(person_id))

    async def people(self, scope: Scope, tx: Tx | None = None) -> list[Participant]:
        return await self.people_db.everyone(scope, _session(tx))

    async def organisations(self, tx: Tx | None = None) -> dict[str, dict]:
        return await self.organisations_db.current(_session(tx))

    async def organisation_names(self, ids: Iterable[str]) -> dict[str, str]:
        return await self.organisations_db.names(ids)

    async def segment_filter(self, segment_id: str, tx: Tx | None = None) -> ContactFilter:
        segment = await self.segments_db.get(segment_id, _session(tx))
        if segment is None:
            raise Unprocessable(f"no saved segment {segment_id}")
        return ContactFilter.model_validate(segment.filter)

    # for an erasure and a merge (directory.erasure, directory.merges) ---------------------
    async def forget_person(self, person_id: str, tx: Tx) -> None:
        await self.people_db.save(rules.erased(person_id), tx.session)
        await self.answers_db.forget_person(person_id, tx.session)

    async def merge_organisations(self, merged: str, surviving: str, tx: Tx) -> None:
        await self.organisations_db.mark_merged(merged, surviving, tx.session)
        moved = {p.id: p for p in await self.people_db.belonging_to(merged, tx.session)}
        for before in moved.values():
            await self._keep(before, rules.merged(before, merged, surviving), tx)
