"""Is the log we are reading still the one we read? Guarding consumer positions against a
broker that came back empty.

An embedded broker keeps nothing: after a restart its partitions are new logs starting at 0,
while a consumer may still hold (and commit) its old positions. Where the new log has grown past
such a position the records before it would be skipped: lost. So the runner remembers, per
partition, the offset and event id of the last record it handled (``consumer_positions``, in
the service's database), and whenever partitions are assigned it reads that offset in the
current log: a different event there (or none) means a new log, which is then read from its
start (the dedupe records skip what was handled).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from aiq_shared.mongo import Database

log = structlog.get_logger(__name__)

POSITIONS = "consumer_positions"


def _event_id(headers: Iterable[tuple[str, bytes]]) -> str | None:
    for name, raw in headers:
        if name == "ce_id":
            return bytes(raw).decode(errors="replace")
    return None


class LogPositions:
    def __init__(self, database: Database, consumer: str, bootstrap_servers: str) -> None:
        self._collection = database[POSITIONS]
        self._database = database
        self._consumer = consumer
        self._bootstrap = bootstrap_servers

    def _id(self, partition: TopicPartition) -> str:
        return f"{self._consumer}:{partition.topic}:{partition.partition}"

    async def remember(self, batch: dict[TopicPartition, Sequence[Any]]) -> None:
        """The last record handled per partition of a batch."""
        for partition, records in batch.items():
            if not records:
                continue
            last = records[-1]
            document = {
                "_id": self._id(partition),
                "offset": last.offset,
                "event_id": _event_id(last.headers),
            }
            await self._database.retrying(
                lambda document=document: self._collection.replace_one(
                    {"_id": document["_id"]}, document, upsert=True
                )
            )

    async def new_logs(self, partitions: Iterable[TopicPartition]) -> list[TopicPartition]:
        """Those of ``partitions`` whose log no longer holds the last record we handled."""
        known = (
            {
                doc["_id"]: doc
                async for doc in self._collection.find(
                    {"_id": {"$in": [self._id(p) for p in partitions]}}
                )
            }
            if partitions
            else {}
        )
        checks = [(p, known[self._id(p)]) for p in partitions if self._id(p) in known]
        if not checks:
            return []
        reader = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False, group_id=None
        )
        changed: list[TopicPartition] = []
        await reader.start()
        try:
            reader.assign([p for p, _ in checks])
            for partition, remembered in checks:
                reader.seek(partition, remembered["offset"])
                batch = await reader.getmany(partition, timeout_ms=2000, max_records=1)
                records = batch.get(partition, [])
                found = records[0] if records else None
                if (
                    found is None
                    or found.offset != remembered["offset"]
                    or _event_id(found.headers) != remembered["event_id"]
                ):
                    changed.append(partition)
        finally:
            await reader.stop()
        return changed

    async def forget(self, partitions: Iterable[TopicPartition]) -> None:
        ids = [self._id(p) for p in partitions]
        if ids:
            await self._database.retrying(
                lambda: self._collection.delete_many({"_id": {"$in": ids}})
            )


class GuardedAssignment(ConsumerRebalanceListener):
    """On every assignment: partitions whose log is new are read from their start."""

    def __init__(self, positions: LogPositions, consumer_name: str) -> None:
        self._positions = positions
        self._name = consumer_name
        self.consumer: AIOKafkaConsumer | None = None

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        assigned = list(assigned)
        try:
            changed = await self._positions.new_logs(assigned)
        except KafkaError as error:  # can't tell now: the next assignment tries again
            log.warning("consumer.positions_unchecked", consumer=self._name, error=repr(error))
            return
        if changed and self.consumer is not None:
            log.warning(
                "consumer.new_log",
                consumer=self._name,
                partitions=[p.partition for p in changed],
            )
            await self._positions.forget(changed)
            await self.consumer.seek_to_beginning(*changed)
