"""Consent's use cases: staff record a consent given or withdrawn, a person is asked to
confirm one by email (double opt-in), and what the person did through an email's link
(aiq.notifications) is recorded. Each changes the person's consent state and its history
in one transaction, with its audit entries. Staff reach a person through their scope; the
events from an email's link name the person themselves (typed contracts), and a double opt-in
request is confirmed once: a second confirmation of it (the link used again, perhaps after
the consent was withdrawn) changes nothing."""

from __future__ import annotations

import structlog

from aiq_contacts.consent import rules
from aiq_contacts.consent.records import ConsentRecords
from aiq_contacts.consent.repository import OptInRequestRepository
from aiq_contacts.consent.schemas import ConsentChange, ConsentRecord, OptInRequested
from aiq_contacts.people.rules import with_consent
from aiq_contacts.people.schemas import Person
from aiq_contacts.people.service import PersonService
from aiq_shared.contracts.notifications import ConsentConfirmedV1, ConsentWithdrawnV1
from aiq_shared.mongo import Database, Tx
from aiq_shared.pagination import new_id
from aiq_shared.scope import EVERYTHING, Scope

log = structlog.get_logger(__name__)
OPT_IN = "double_opt_in_request"


class ConsentService:
    def __init__(
        self,
        database: Database,
        people: PersonService,
        records: ConsentRecords,
        requests: OptInRequestRepository,
    ) -> None:
        self._database = database
        self._people = people
        self._records = records
        self._requests = requests

    async def record_consent(self, person_id: str, change: ConsentChange, scope: Scope) -> Person:
        async def work(tx: Tx) -> Person:
            person = await self._people.get(person_id, scope, tx)
            rules.require_consentable(person.email, person.kind, change.granted)
            record = self._records.new(
                person.id,
                change.purpose,
                change.granted,
                change.source,
                change.text_version,
                recorded_by=change.recorded_by,
                note=change.note,
            )
            return await self._change(person, record, tx)

        return await self._database.transaction(work)

    async def history(self, person_id: str, scope: Scope) -> list[ConsentRecord]:
        await self._people.get(person_id, scope)
        return await self._records.history_of(person_id)

    async def request_double_opt_in(
        self, person_id: str, purpose: str, scope: Scope
    ) -> OptInRequested:
        async def work(tx: Tx) -> OptInRequested:
            person = await self._people.get(person_id, scope, tx)
            rules.require_consentable(person.email, person.kind, True)
            request = OptInRequested(
                request_id=new_id(),
                person_id=person.id,
                purpose=purpose,
                text_version=self._records.text_version,
                requested_at=self._records.now(),
            )
            await self._requests.ask(request, tx.session)
            tx.emit(rules.opt_in_requested(request, person))
            tx.audit(OPT_IN, request.request_id, "requested", ["purpose", "text_version"])
            return request

        return await self._database.transaction(work)

    async def consent_confirmed(self, event: ConsentConfirmedV1, tx: Tx) -> None:
        """The person clicked the double opt-in link: the consent is given (once per
        request)."""
        request = await self._requests.pending(
            event.request_id, event.person_id, event.purpose, tx.session
        )
        person = await self._people.find(event.person_id, EVERYTHING, tx)
        if request is None or person is None or not person.email:
            log.warning("consent.confirmation_ignored", request_id=event.request_id)
            return  # not asked for by us, confirmed already, or the person is gone
        record = self._records.new(
            person.id,
            event.purpose,
            True,
            "double-opt-in",
            event.text_version,
            request_id=event.request_id,
        )
        await self._change(person, record, tx)
        await self._requests.confirm(event.request_id, event.confirmed_at, tx.session)
        tx.audit(OPT_IN, event.request_id, "confirmed", ["status", "confirmed_at"])

    async def consent_withdrawn(self, event: ConsentWithdrawnV1, tx: Tx) -> None:
        """Consent withdrawn elsewhere (an email's unsubscribe link): record it, tell everyone."""
        person = await self._people.find(event.person_id, EVERYTHING, tx)
        if person is None or event.purpose not in person.consents:
            return
        record = self._records.new(person.id, event.purpose, False, event.source)
        await self._change(person, record, tx)

    async def _change(self, person: Person, record: ConsentRecord, tx: Tx) -> Person:
        changed = await self._people.save_changed(person, with_consent(person, record), tx)
        await self._records.store(record, tx)
        return changed
