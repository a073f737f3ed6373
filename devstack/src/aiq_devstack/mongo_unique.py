"""Unique keys checked by the embedded engine from an index instead of by reading the whole
collection: an insert's ``_id``, and a unique index of several fields.

mongoeco 4.11 checks every insert's ``_id`` twice: by its storage key (an indexed lookup)
and by reading and decoding every document of the collection, which only numeric ids need.
That made each insert cost the size of its collection: the audit trail, the processed-event
ids and the kept outbox only grow, so the whole server slowed down as it filled (a
transaction of 150 inserts outlived its 15 s at a few thousand records). The scan stays for
numeric ids.

mongoeco keeps index entries only for indexes of one field. Before each write to a
collection with a unique index of several fields (an invitation is unique per meeting and
person: ``(meeting_id, person_id)``), it read and decoded every document of the collection
to look for the same key. Each invitation of a campaign then cost the size of the
invitations kept (4.4 ms of the events database's 7.7 ms per invitation at 300 kept, and
growing with them). Here the documents that could hold the same key are found through the
entries of an index on one of its fields (``person_id``: the person's few invitations) and
only those are compared; mongoeco's own check does the rest. Where no such index can answer
(no index of one of the fields, a value that is missing, null, numeric, an array or a document,
a collation, a partial index, arrays in the collection), mongoeco's own whole check stays.
"""

from __future__ import annotations

import contextvars

from mongoeco.core.bson_scalars import is_bson_numeric
from mongoeco.core.filtering import QueryEngine
from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.engines.virtual_indexes import document_in_virtual_index

# while mongoeco's own check runs: the unique indexes checked here, which it is not shown
_CHECKED_HERE: contextvars.ContextVar[tuple[str, str, frozenset[str]] | None] = (
    contextvars.ContextVar("checked_here", default=None)
)


class UniqueKeysFromAnIndex(SQLiteEngine):
    """An insert's ``_id`` checked by its storage key alone, and unique indexes of several
    fields checked from an index of one of them (see module)."""

    def _validate_document_against_unique_indexes(  # noqa: PLR0913 - mongoeco's signature
        self,
        db_name: str,
        coll_name: str,
        document: dict,
        *,
        exclude_storage_key: str | None = None,
        skip_id_check: bool = False,
        scan_payload_id: bool = False,
    ) -> None:
        if scan_payload_id and not id_contains_numeric_value(document.get("_id")):  # (module)
            scan_payload_id = False
        checked = frozenset(
            str(index["name"])
            for index in self._load_indexes(db_name, coll_name)
            if index["unique"]
            and len(index["fields"]) > 1
            and self._checked_from_an_index(
                db_name, coll_name, document, index, exclude_storage_key
            )
        )
        token = _CHECKED_HERE.set((db_name, coll_name, checked) if checked else None)
        try:
            super()._validate_document_against_unique_indexes(
                db_name,
                coll_name,
                document,
                exclude_storage_key=exclude_storage_key,
                skip_id_check=skip_id_check,
                scan_payload_id=scan_payload_id,
            )
        finally:
            _CHECKED_HERE.reset(token)

    def _load_indexes(self, db_name: str, coll_name: str):  # type: ignore[no-untyped-def]
        indexes = super()._load_indexes(db_name, coll_name)
        checked = _CHECKED_HERE.get()
        if checked is None or checked[:2] != (db_name, coll_name):
            return indexes
        return [index for index in indexes if str(index["name"]) not in checked[2]]

    def _checked_from_an_index(  # noqa: PLR0913
        self,
        db_name: str,
        coll_name: str,
        document: dict,
        index,  # type: ignore[no-untyped-def]
        exclude_storage_key: str | None,
    ) -> bool:
        """Whether the index could be checked here; raises mongoeco's duplicate-key error
        if a document that could hold the same key does. False: mongoeco checks it."""
        if not document_in_virtual_index(document, index):
            return True  # not in a partial or sparse index: nothing to check
        if index.get("collation") is not None or self._unique_index_uses_multikey_values(
            db_name, coll_name, document, index
        ):
            return False
        candidates = self._holding_the_same_value(db_name, coll_name, document, index)
        if candidates is None:
            return False
        candidates.discard(exclude_storage_key)  # (the document itself, on an update)
        found = self._load_documents_by_storage_keys(db_name, coll_name, sorted(candidates))
        for existing in found.values():
            if not document_in_virtual_index(existing, index):
                continue
            if (key := self._unique_index_conflict(document, existing, index)) is not None:
                fields = index["fields"]
                raise self._unique_key_error(
                    f"Duplicate key for unique index '{index['name']}': {fields}={key!r}",
                    f"{db_name}.{coll_name}",
                    document,
                    index=index,
                    conflict=key,
                )
        return True

    def _holding_the_same_value(
        self,
        db_name: str,
        coll_name: str,
        document: dict,
        index,  # type: ignore[no-untyped-def]
    ) -> set[str] | None:
        """The storage keys of the documents whose value of one of the index's fields is the
        document's, found in the entries of a full index of that field (None: none can)."""
        conn = self._require_connection()
        collection_id = self._lookup_collection_id(conn, db_name, coll_name)
        if collection_id is None:
            return None
        for field in index["fields"]:
            one = self._find_scalar_index(db_name, coll_name, field)
            if one is None or one.get("sparse") or one.get("partial_filter_expression"):
                continue
            if one.get("collation") is not None:
                continue
            values = QueryEngine.extract_values(document, field)
            if len(values) != 1 or values[0] is None or is_bson_numeric(values[0]):
                continue  # null is also every document without the field, which has no
                # entry; numeric values may lack entries in older files
            signature = self._scalar_value_signature_for_document(document, field)
            if signature is None:
                continue
            element_type, element_key = signature
            rows = conn.execute(
                "SELECT storage_key FROM scalar_index_entries WHERE collection_id = ? "
                "AND index_name = ? AND type_score = ? AND element_key = ?",
                (collection_id, str(one["name"]), self._multikey_type_score(element_type),
                 element_key),
            )  # fmt: skip
            return {row[0] for row in rows}
        return None
