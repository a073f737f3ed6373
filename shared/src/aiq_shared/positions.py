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

import time
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from aiq_shared.mongo import Database

log = structlog.get_logger(__name__)

POSITIONS = "consumer_positions"
CHECK_ENDS_EVERY_S = 2.0


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

    async def new_logs(
        self, partitions: Iterable[TopicPartition], unknown_are_new: bool = False
    ) -> list[TopicPartition]:
        """Those of ``partitions`` whose log no longer holds the last record we handled (and
        with ``unknown_are_new`` those we remember no record of)."""
        partitions = list(partitions)
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
        unknown = [p for p in partitions if self._id(p) not in known] if unknown_are_new else []
        if not checks:
            return unknown
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
        return changed + unknown

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


class PastTheEnd:
    """Between assignments: a position beyond a partition's end means the log we read is
    gone (an embedded broker restarted empty), and the new log is read from its start (the
    dedupe records skip what was handled). The ends are asked of the broker every
    ``CHECK_ENDS_EVERY_S`` (a fetch at a position past the end may bring no highwater).

    tansu may also answer an end short of records it has served (the last batch's base
    offset), so a position past the end only counts once the log is seen to lack the last
    record handled there; an end found to be such is believed until it moves."""

    def __init__(self, positions: LogPositions, consumer_name: str) -> None:
        self._positions = positions
        self._name = consumer_name
        self._checked_at = 0.0
        self._believed: dict[TopicPartition, tuple[int, int]] = {}

    async def check(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._checked_at < CHECK_ENDS_EVERY_S:
            return
        self._checked_at = now
        partitions = list(consumer.assignment())
        if not partitions:
            return
        ends = await consumer.end_offsets(partitions)
        past: list[tuple[TopicPartition, int]] = []
        for partition in partitions:
            position = await consumer.position(partition)
            seen = (position, ends[partition])
            if position > ends[partition] and self._believed.get(partition) != seen:
                past.append((partition, position))
        if not past:
            return
        new = set(await self._positions.new_logs([p for p, _ in past], unknown_are_new=True))
        for partition, position in past:
            if partition not in new:
                self._believed[partition] = (position, ends[partition])
                continue
            log.warning(
                "consumer.position_past_the_end",
                consumer=self._name,
                partition=partition.partition,
                position=position,
                end=ends[partition],
            )
            await self._positions.forget([partition])
            await consumer.seek_to_beginning(partition)
