"""Leases in the service's database: one replica at a time does a job (publishes the outbox,
runs a leased worker). A lease is held for a while and renewed by its holder; when the holder
dies it runs out and another replica takes it over.
"""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from aiq_shared.clock import SYSTEM_CLOCK, Clock
from aiq_shared.mongo import Database

LEASES = "leases"
DEFAULT_TTL = timedelta(seconds=15)


def process_owner(tag: object = None) -> str:
    """Who holds a lease: host, process and (optionally) the object in it."""
    suffix = f":{id(tag):x}" if tag is not None else ""
    return f"{socket.gethostname()}:{os.getpid()}{suffix}"


class Leases:
    def __init__(self, database: Database, owner: str, clock: Clock = SYSTEM_CLOCK) -> None:
        self._database = database
        self._clock = clock
        self.owner = owner
        self._renewed: dict[str, datetime] = {}  # when we last took or renewed each lease

    async def keep(self, name: str, ttl: timedelta = DEFAULT_TTL) -> bool:
        """:meth:`hold` for a job that asks all the time (the outbox relay, at every batch):
        a lease taken or renewed less than a third of ``ttl`` ago is still ours without
        asking the database again; older, it is renewed."""
        renewed = self._renewed.get(name)
        if renewed is not None and self._clock.now() - renewed < ttl / 3:
            return True
        return await self.hold(name, ttl)

    async def hold(self, name: str, ttl: timedelta = DEFAULT_TTL) -> bool:
        """Take or renew the lease ``name``; False while another owner holds it."""
        now = self._clock.now()
        collection = self._database[LEASES]
        try:
            await self._database.retrying(
                lambda: collection.find_one_and_update(
                    {"_id": name, "$or": [{"owner": self.owner}, {"until": {"$lt": now}}]},
                    {"$set": {"owner": self.owner, "until": now + ttl}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            )
            self._renewed[name] = now
            return True
        except DuplicateKeyError:  # another owner's lease is still running
            self._renewed.pop(name, None)
            return False

    async def release(self, name: str) -> None:
        self._renewed.pop(name, None)
        with contextlib.suppress(PyMongoError):
            await self._database[LEASES].delete_one({"_id": name, "owner": self.owner})
