"""The consent history as the other use cases keep it: new records (with the consent text's
current version), stored with their event, read back; and the double opt-in requests asked.
A person's consent state itself changes in ``consent.service`` (or with the person, in
``people.service``)."""

from __future__ import annotations

from datetime import datetime

from aiq_contacts.consent import rules
from aiq_contacts.consent.repository import ConsentRecordRepository, OptInRequestRepository
from aiq_contacts.consent.schemas import ConsentRecord, OptInRequested
from aiq_contacts.fields import as_stored
from aiq_shared.audit import changed_fields
from aiq_shared.clock import Clock
from aiq_shared.mongo import Tx
from aiq_shared.pagination import new_id


class ConsentRecords:
    def __init__(
        self,
        records: ConsentRecordRepository,
        requests: OptInRequestRepository,
        clock: Clock,
        text_version: str,
    ) -> None:
        self._records = records
        self._requests = requests
        self._clock = clock
        self.text_version = text_version

    def new(
        self,
        person_id: str,
        purpose: str,
        granted: bool,
        source: str,
        text_version: str | None = None,
        **details: str | None,
    ) -> ConsentRecord:
        """A record made now (of the current consent text unless another is named)."""
        version = text_version or self.text_version
        return rules.record(
            new_id(), person_id, purpose, granted, source, version, self.now(), **details
        )

    def now(self) -> datetime:
        """Now, to the millisecond: what MongoDB keeps, so a response equals a later read."""
        return as_stored(self._clock.now())

    async def store(self, record: ConsentRecord, tx: Tx, announce: bool = True) -> None:
        """Keep the record (audited); ``announce``: with ``aiq.consent.changed.v1``."""
        await self._records.add(record, tx.session)
        tx.audit("consent_record", record.id, "created", changed_fields(None, record))
        if announce:
            tx.emit(rules.consent_changed(record))

    async def history_of(self, person_id: str) -> list[ConsentRecord]:
        """The person's history (read only through the person, who is loaded through the
        caller's scope)."""
        return await self._records.history_of(person_id)

    async def requests_of(self, person_id: str) -> list[OptInRequested]:
        return await self._requests.of_person(person_id)

    async def forget(self, person_id: str, tx: Tx) -> None:
        """Erasure: the person's records and requests are gone."""
        await self._records.forget(person_id, tx.session)
        await self._requests.forget(person_id, tx.session)
