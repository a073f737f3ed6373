"""The base of every repository: one collection, one pydantic model, the session passed in.

Only repositories touch PyMongo. A repository is made with the service's :class:`Database`
and names its collection and model; its methods take ``session`` (``tx.session`` inside a
use case's transaction, None for a read outside one). A document is the model's dump with
``id`` stored as ``_id``; reading validates it back into the model.

Subclasses add the queries of their subject (``registrations_of(meeting)``...) on top of
:meth:`find`, :meth:`page`, :meth:`count` and the writes here, and declare their indexes in
``indexes()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel
from pymongo import IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from aiq_shared.mongo import Database, Tx, from_document, to_document
from aiq_shared.pagination import BY_ID, Order, Page, PageParams, cursor_of, sort_spec, with_cursor

Session = AsyncClientSession | None
Query = Mapping[str, Any]


class Repository[M: BaseModel]:
    collection_name: ClassVar[str]
    model: type[M]

    def __init__(self, database: Database) -> None:
        self.database = database
        self.collection: AsyncCollection = database[self.collection_name]

    # -- indexes -----------------------------------------------------------------------
    def indexes(self) -> Sequence[IndexModel]:
        """The indexes this collection needs (created at start-up)."""
        return ()

    async def ensure_indexes(self) -> None:
        wanted = list(self.indexes())
        if wanted:
            await self.collection.create_indexes(wanted)

    # -- conversion --------------------------------------------------------------------
    def to_document(self, item: M) -> dict[str, Any]:
        return to_document(item)

    def from_document(self, document: dict[str, Any] | None) -> M | None:
        return from_document(self.model, document)

    def _models(self, documents: Sequence[dict[str, Any]]) -> list[M]:
        return [self.model.model_validate({**d, "id": d["_id"]}) for d in documents]

    # -- reads -------------------------------------------------------------------------
    async def get(self, item_id: str, session: Session = None) -> M | None:
        return self.from_document(await self.collection.find_one({"_id": item_id}, session=session))

    async def find_one(self, query: Query, session: Session = None) -> M | None:
        return self.from_document(await self.collection.find_one(dict(query), session=session))

    async def find(
        self,
        query: Query,
        session: Session = None,
        *,
        sort: Sequence[tuple[str, int]] | None = None,
        limit: int = 0,
    ) -> list[M]:
        cursor = self.collection.find(dict(query), session=session)
        if sort:
            cursor = cursor.sort(list(sort))
        if limit:
            cursor = cursor.limit(limit)
        return self._models(await cursor.to_list(None))

    async def page(
        self, query: Query, params: PageParams, order: Order = BY_ID, session: Session = None
    ) -> Page[M]:
        """One page of the documents ``query`` selects, in ``order``, after the cursor."""
        filter_ = with_cursor(dict(query), params.cursor, order)
        documents = (
            await self.collection.find(filter_, session=session)
            .sort(sort_spec(order))
            .limit(params.limit + 1)
            .to_list(params.limit + 1)
        )
        more = len(documents) > params.limit
        documents = documents[: params.limit]
        return Page(
            items=self._models(documents),
            next_cursor=cursor_of(documents[-1], order) if more else None,
        )

    async def any(self) -> bool:
        """Whether the collection holds anything at all (one index lookup, no count)."""
        return await self.collection.find_one({}, {"_id": 1}) is not None

    async def count(self, query: Query, session: Session = None) -> int:
        return await self.collection.count_documents(dict(query), session=session)

    # -- writes ------------------------------------------------------------------------
    async def add(self, item: M, session: Session) -> None:
        await self.collection.insert_one(self.to_document(item), session=session)

    async def add_many(self, items: Sequence[M], session: Session) -> None:
        if items:
            await self.collection.insert_many([self.to_document(i) for i in items], session=session)

    async def save(self, item: M, session: Session) -> None:
        """Write the whole item (insert or replace)."""
        document = self.to_document(item)
        await self.collection.replace_one(
            {"_id": document["_id"]}, document, upsert=True, session=session
        )

    async def update(self, item_id: str, changes: Mapping[str, Any], session: Session) -> bool:
        """``$set`` some fields of one item; False if there is none."""
        result = await self.collection.update_one(
            {"_id": item_id}, {"$set": dict(changes)}, session=session
        )
        return result.matched_count > 0

    async def delete(self, item_id: str, session: Session) -> bool:
        result = await self.collection.delete_one({"_id": item_id}, session=session)
        return result.deleted_count > 0


class CountersAtCommit:
    """``$inc`` counters of a collection's items (a dashboard's, a tally's), added up over a
    transaction and written in one bulk write just before it commits: a run of records that
    each move the same counters costs one write, not one per record."""

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    def add(
        self,
        tx: Tx,
        item_id: str,
        increments: Mapping[str, int],
        *,
        fields: Mapping[str, Any] | None = None,
        on_insert: Mapping[str, Any] | None = None,
    ) -> None:
        """More in the item's counters (the item made if missing, with ``fields`` set, and
        ``on_insert`` set when it is made)."""
        pending = tx.gathered(f"{self._collection.name}:counters", dict, self._write)
        inc, set_, set_on_insert = pending.setdefault(item_id, ({}, {}, {}))
        for field, n in increments.items():
            inc[field] = inc.get(field, 0) + n
        set_.update(fields or {})
        set_on_insert.update(on_insert or {})

    async def _write(self, pending: dict[str, tuple[dict, dict, dict]], session: Session) -> None:
        updates = [
            UpdateOne(
                {"_id": item_id},
                {
                    op: values
                    for op, values in (("$inc", inc), ("$set", set_), ("$setOnInsert", on_insert))
                    if values
                },
                upsert=True,
            )
            for item_id, (inc, set_, on_insert) in pending.items()
            if inc or set_ or on_insert
        ]
        if updates:
            await self._collection.bulk_write(updates, ordered=False, session=session)
