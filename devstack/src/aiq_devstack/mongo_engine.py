"""mongoeco's SQLite engine as the embedded MongoDB runs it: without its change-stream
delivery, and without whole-collection scans that made operations cost the size of their
collection: a write or read whose filter names the ``_id`` and more; before a query of a
collection written since its last query, a search of every document for decimals in each
field the query names; and, in a query of several conditions, plain-text patterns (a name
search) and equalities on an indexed field (an officer's districts) tested by Python on
every document instead of in SQL, from the index (below); and a write's search of all its
collection's TTL and array index entries (``_connect_sync``). Unique keys (an insert's ``_id``,
a unique index of several fields) are checked from an index in ``mongo_unique``.

The first rests on one fact of this project: ids are ObjectIds and strings, whose storage
key is the id itself. Numeric ids (``1``, ``1.0`` and ``Int64(1)`` are one id with three
storage keys) keep mongoeco's own way.
"""

from __future__ import annotations

import contextvars
import dataclasses
import sqlite3
from functools import partial

import mongoeco.engines.sqlite as mongoeco_sqlite
from bson import ObjectId
from mongoeco.core.filtering import QueryEngine
from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.core.projections import apply_projection
from mongoeco.core.query_plan import AndCondition, EqualsCondition, InCondition, RegexCondition
from mongoeco.engines._sqlite_plan_heuristics import sort_requires_python
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.engines.sqlite_query import (
    json_path_for_field,
    parse_safe_literal_regex,
    type_expression_sql,
)

from aiq_devstack.mongo_features import FeaturesKeptUpToDate
from aiq_devstack.mongo_unique import UniqueKeysFromAnIndex


class SQLiteEngineWithoutChangeDelivery(UniqueKeysFromAnIndex, FeaturesKeptUpToDate):
    """The SQLite engine without its change-stream delivery, which nothing here uses, and
    without the whole-collection scans named above (each method below says which).

    Its commit hook waits for a change-dispatch lease with ``time.sleep`` on the event loop;
    when the lease is held elsewhere the whole server stalls until the lease's TTL (30 s)
    runs out. The wire server offers no change streams anyway (ARCHITECTURE section 7).
    """

    capabilities = dataclasses.replace(SQLiteEngine.capabilities, change_delivery="none")
    _holds_decimals: bool | None = None  # None: not looked yet

    async def _run_blocking(self, func, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Each step of the engine on the server's own thread, not handed to a worker thread.

        Every step runs on the engine's one connection (``_can_use_dedicated_reader``), one
        after the other, so the worker only added its hand-over: a submit, a future chained
        back to the loop and two thread switches per step. Measured on 5,400 commands
        (inserts, reads and updates by ``_id``, small transactions), alternating: 0.60-0.71
        ms of server CPU per command against 0.72-0.91 ms. The steps take the engine's lock
        and give it back before they return, and none waits for the loop, so nothing here
        can wait on itself. (A file's index rebuild at start-up holds the loop meanwhile;
        the server answers once it is done either way.)
        """
        return contextvars.copy_context().run(partial(func, *args, **kwargs))

    def _connect_sync(self) -> None:
        """Once the tables are made: an index by document of the TTL entries and of the
        entries of indexes on arrays. mongoeco deletes a document's entries (TTL ones on
        every insert, update and delete of a collection with a TTL index; array ones on an
        update or delete) by ``collection_id`` and ``storage_key``, while its keys run
        ``(collection_id, index_name, ...)``: each such write searched all the entries of its
        collection. The collections with a TTL index are the ones that only grow (the audit
        trail, the processed-event ids, the outbox's kept copies), so an insert into an
        audit trail went from 0.7 ms empty to 3-4 ms at 20,000 entries."""
        super()._connect_sync()
        connection = self._connection
        if connection is not None:
            for table in ("ttl_index_entries", "multikey_entries"):
                connection.execute(
                    f"CREATE INDEX IF NOT EXISTS aiq_{table}_by_document "
                    f"ON {table} (collection_id, storage_key)"
                )
            connection.commit()

    def _create_sqlite_connection(self) -> sqlite3.Connection:
        """A connection whose writes leave no change-stream log (``_without_change_log``)."""
        connection = super()._create_sqlite_connection()
        connection.aiq_without_change_log = True  # type: ignore[attr-defined]
        return connection

    def _serialize_document(self, document: dict) -> str:
        payload = super()._serialize_document(document)
        if self._holds_decimals is False and _DECIMAL_TAG in payload:
            self._holds_decimals = True
        return payload

    def _field_contains_tagged_value_type_in_collection(
        self, db_name: str, coll_name: str, field: str, value_type: str
    ) -> bool:
        """mongoeco asks, before it compiles a query to SQL, whether any document of the
        collection holds a decimal in a field the query names (decimals compare only in
        Python). The answer is cached until the collection's next write, so on a collection
        written all the time (deliveries, their send queue) every query searched every
        document three times: a seventh of the notifications database's time in a campaign.
        Nothing here stores decimals; this engine notes it if anything ever does (every
        document it writes goes through ``_serialize_document``; one search of the file when
        it opens), and only then asks mongoeco's way."""
        if value_type.startswith("decimal") and not self._stores_decimals():
            return False
        return super()._field_contains_tagged_value_type_in_collection(
            db_name, coll_name, field, value_type
        )

    def _stores_decimals(self) -> bool:
        if self._holds_decimals is None:
            found = (
                self._require_connection()
                .execute(
                    "SELECT 1 FROM documents WHERE instr(document, ?) > 0 LIMIT 1",
                    (_DECIMAL_TAG,),
                )
                .fetchone()
            )
            self._holds_decimals = found is not None
        return self._holds_decimals

    def _select_first_document_for_plan(self, db_name, coll_name, plan, *, hint=None, context=None):  # type: ignore[no-untyped-def]  # noqa: E501
        """The document an update or delete of one document acts on. mongoeco looks a plain
        ``{"_id": x}`` up by its storage key, but a filter naming the ``_id`` and more (a
        conditional update: ``{"_id": x, "state": "sending"}``) became a query over the whole
        collection (377 ms at 1,500 deliveries, against 4 ms by id). Here such a filter
        takes the one document with that id and tests the rest of the filter on it."""
        by_id = _id_equality(plan)
        if by_id is None:
            return super()._select_first_document_for_plan(
                db_name, coll_name, plan, hint=hint, context=context
            )
        selected = super()._select_first_document_for_plan(
            db_name, coll_name, by_id, hint=hint, context=context
        )
        if selected is None or not QueryEngine.match_plan(selected[1], plan):
            return None
        return selected

    def _open_scan_documents_sync(self, reader):  # type: ignore[no-untyped-def]
        """A read whose filter names the ``_id`` and more (a record in the caller's scope:
        ``{"_id": x, "districts": ...}``) reads the one document with that id and tests the
        rest of the filter on it, instead of the whole collection."""
        semantics = reader.semantics
        by_id = _id_equality(semantics.query_plan)
        if (
            by_id is None
            or semantics.text_query is not None
            or semantics.collation is not None
            or self._is_profile_namespace(reader.coll_name)
        ):
            return super()._open_scan_documents_sync(reader)
        selected = self._select_first_document_for_plan(  # by id, the filter tested (above)
            reader.db_name, reader.coll_name, semantics.query_plan, context=reader.context
        )
        if selected is None or semantics.skip:
            return iter(())
        projected = apply_projection(
            selected[1],
            semantics.projection,
            selector_filter=semantics.filter_spec,
            dialect=semantics.dialect,
        )
        return iter((projected,))

    def _translate_query_plan_with_multikey(self, db_name, coll_name, plan):  # type: ignore[no-untyped-def]  # noqa: E501
        """Plain-text patterns (``^mue``, ``\\ mue``, no options), ids and equalities on an
        indexed field in SQL, also beside other conditions. mongoeco translates a pattern
        only when it is a query's one condition and asks an index only for a lone equality;
        with the scope beside them (a name search in an officer's districts) every document
        of the collection was decoded and tested in Python: 2.1 s for a people search at
        20,000 people."""
        fragment = None
        if isinstance(plan, RegexCondition):
            fragment = _plain_text_regex_sql(plan)
        elif isinstance(plan, EqualsCondition | InCondition):
            fragment = (
                self._ids_sql(plan)
                if plan.field == "_id"
                else self._indexed_equality_sql(db_name, coll_name, plan)
            )
        return fragment or super()._translate_query_plan_with_multikey(db_name, coll_name, plan)

    def _sort_requires_python(self, db_name, coll_name, plan, sort):  # type: ignore[no-untyped-def]
        """Whether a sorted query's order needs Python: mongoeco asks SQLite whether any
        document the query selects holds an array (or a tagged number) in a sort field, with
        the query in its plain translation, so a query holding a pattern was sorted in
        Python and one holding an ``$in`` read every document's JSON for that question. The
        same question, with the query as this engine translates it (above)."""
        if not sort:
            return False
        return sort_requires_python(
            db_name=db_name,
            coll_name=coll_name,
            plan=plan,
            sort=sort,
            plan_has_array_traversing_paths=self._plan_has_array_traversing_paths,
            translate_query_plan=lambda part: self._translate_query_plan_with_multikey(
                db_name, coll_name, part
            ),
            field_traverses_array_in_collection=self._field_traverses_array_in_collection,
            field_contains_tagged_bytes_in_collection=self._field_contains_tagged_bytes_in_collection,
            field_contains_tagged_undefined_in_collection=self._field_contains_tagged_undefined_in_collection,
            fetchone=lambda sql, params: self._require_connection().execute(sql, params).fetchone(),
            type_expression_sql=type_expression_sql,
            json_path_for_field=json_path_for_field,
        )

    def _ids_sql(self, plan: EqualsCondition | InCondition) -> tuple[str, list[object]] | None:
        """Ids (strings, ObjectIds: each its own storage key) by their storage keys
        (``{"_id": {"$in": ids}}`` read every document)."""
        values = _values_of(plan)
        if not values or not all(isinstance(value, str | ObjectId) for value in values):
            return None
        keys = [self._storage_key(value) for value in values]
        return f"documents.storage_key IN ({', '.join('?' * len(keys))})", keys

    def _indexed_equality_sql(
        self, db_name: str, coll_name: str, plan: EqualsCondition | InCondition
    ) -> tuple[str, list[object]] | None:
        """An equality or ``$in`` of strings or booleans on a field with a single-field
        index, asked of that index. Otherwise SQLite read the field out of every document's
        JSON (a list of an officer's people in her district: 220 ms to count 1,700 of
        20,000, a third of the page). Fields that hold an array in any document keep
        mongoeco's way (its index of them is another), as do numbers and nulls."""
        values = _values_of(plan)
        if "." in plan.field or not values or not all(isinstance(v, str | bool) for v in values):
            return None
        index = self._find_scalar_fast_path_index(db_name, coll_name, plan.field)
        if index is None or self._field_is_top_level_array_in_collection(
            db_name, coll_name, plan.field
        ):
            return None
        collection_id = self._lookup_collection_id(self._require_connection(), db_name, coll_name)
        if collection_id is None:
            return None
        params: list[object] = [collection_id, str(index["name"])]
        for value in values:
            ((kind, key),) = self._multikey_signatures_for_query_value(value)
            params += [self._multikey_type_score(kind), key]
        keys = " OR ".join(["(type_score = ? AND element_key = ?)"] * len(values))
        sql = (
            "documents.storage_key IN (SELECT storage_key FROM scalar_index_entries INDEXED BY"
            f" {self._quote_identifier(str(index['scalar_physical_name']))}"
            f" WHERE collection_id = ? AND index_name = ? AND ({keys}))"
        )
        return sql, params


_DECIMAL_TAG = '{"$mongoeco":{"type":"decimal'  # how a stored decimal begins (any kind)


def _id_equality(plan: object) -> EqualsCondition | None:
    """``_id == x`` if the plan is a conjunction holding it, for an ``x`` that is not
    numeric (None: mongoeco's own way)."""
    if not isinstance(plan, AndCondition):
        return None
    for clause in plan.clauses:
        if (
            isinstance(clause, EqualsCondition)
            and clause.field == "_id"
            and not id_contains_numeric_value(clause.value)
            and not isinstance(clause.value, dict | list)
        ):
            return EqualsCondition("_id", clause.value)
    return None


def _values_of(plan: EqualsCondition | InCondition) -> list[object]:
    return [plan.value] if isinstance(plan, EqualsCondition) else list(plan.values)


_TEXT_TESTS = {
    "exact": "{value} = ?",
    "prefix": "substr({value}, 1, length(?)) = ?",
    "suffix": "substr({value}, -length(?)) = ?",
    "contains": "instr({value}, ?) > 0",
}


def _plain_text_regex_sql(plan: RegexCondition) -> tuple[str, list[object]] | None:
    """SQL matching what MongoDB matches with a plain-text pattern on a top-level field: a
    string that holds the text, or an array with such a string (None: mongoeco's way)."""
    if "." in plan.field or plan.options:
        return None
    parsed = parse_safe_literal_regex(plan.pattern, plan.options)
    if parsed is None:
        return None
    mode, text, _ = parsed
    test = _TEXT_TESTS[mode]
    texts = [text] * test.count("?")
    path = json_path_for_field(plan.field)
    on_value = test.format(value="json_extract(document, ?)")
    on_element = test.format(value="json_each.value")
    sql = (
        f"(json_type(document, ?) = 'text' AND {on_value}) OR (json_type(document, ?) = 'array'"
        f" AND EXISTS (SELECT 1 FROM json_each(document, ?) WHERE json_each.type = 'text'"
        f" AND {on_element}))"
    )
    return sql, [path, path, *texts, path, path, *texts]


_append_change = mongoeco_sqlite._sqlite_append_change


def _without_change_log(conn: sqlite3.Connection, **change: object) -> int | None:
    """mongoeco logs every write for change streams in the same SQLite transaction (the
    document serialized a second time, its fingerprint, two inserts and a compaction): a
    fifth of an update's time. Nothing here reads that log (no change streams), so this
    engine's connections skip it; mongoeco's own engines keep it."""
    if getattr(conn, "aiq_without_change_log", False):
        return None
    return _append_change(conn, **change)  # type: ignore[arg-type]


mongoeco_sqlite._sqlite_append_change = _without_change_log  # mongoeco 4.x: pinned below 5
