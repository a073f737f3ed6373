"""What mongoeco's SQLite engine knows of a collection's documents, kept up to date by the
documents written instead of asked again of every document after each write.

Before it compiles a query to SQL, mongoeco asks of the collection whether any document
holds an array in a field the query names, a tagged value (bytes, undefined, decimals) in it,
or whether a sort field holds one type throughout. Each question reads every document of the
collection; the answers are cached until the collection's next write. On the collections
written all the time (registrations, deliveries, the outbox) every query asked them all
again: a registration's roster query spent 17 ms of 25 in these questions at 1,000
registrations, growing with the collection.

Here a log of the documents written (a temporary table filled by triggers on mongoeco's
``documents`` table, numbered by a counter that never goes back) lets an answer be brought up
to date by looking at the documents written since it was given:

* "does any document hold ...?" answered *no* stays *no* unless a document written since
  holds it; *yes* stays *yes* (a document that held it may have gone, but *yes* only sends the
  query the slower, always correct way);
* "does the field hold one type throughout?" answered with a type stays so unless a document
  written since holds another (or lacks the field); *no* is asked again, as mongoeco does.

A rolled-back transaction makes mongoeco forget every answer (it restores documents without
writing them): so does this. Other questions keep mongoeco's own caching. The log and the
answers belong to the engine's one connection, so every read runs on it (no dedicated
reader connections for file databases).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Sequence

from mongoeco.core.codec import DocumentCodec
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.engines.sqlite_query import json_path_for_field, path_array_prefixes

Key = tuple[str, str, str]
PRUNE_EVERY = 5_000  # writes between two prunings of the log
KEEP_AT_MOST = 50_000  # writes an answer may lag behind before it is asked anew in full
_TYPES_OF = {"number": "('integer', 'real')", "string": "('text')", "bool": "('true', 'false')"}
_WRITTEN = (
    "INSERT INTO aiq_written VALUES (aiq_next_write(), NEW.db_name, NEW.coll_name, NEW.storage_key)"
)
_LOG = (
    "CREATE TEMP TABLE IF NOT EXISTS aiq_written (seq INTEGER NOT NULL, db_name TEXT NOT NULL,"
    " coll_name TEXT NOT NULL, storage_key TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS temp.aiq_written_by_collection"
    " ON aiq_written (db_name, coll_name, seq)",
    "CREATE TEMP TRIGGER IF NOT EXISTS aiq_written_on_insert AFTER INSERT ON main.documents"
    f" BEGIN {_WRITTEN}; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS aiq_written_on_update"
    f" AFTER UPDATE OF document ON main.documents BEGIN {_WRITTEN}; END",
)


def _path(field: str) -> str:
    return "'" + json_path_for_field(field).replace("'", "''") + "'"


class FeaturesKeptUpToDate(SQLiteEngine):
    """The questions named above, answered from the documents written since (see module)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._writes = itertools.count(1)  # numbers the writes; never goes back
        self._last_write = 0
        self._pruned_at = 0
        self._logged_on: sqlite3.Connection | None = None
        self._answered_at: dict[Key, int] = {}  # the last write each answer has seen

    def _can_use_dedicated_reader(self, context: object) -> bool:
        """Every read on the engine's one connection: the log of writes and the answers kept
        from it belong to that connection (a file database's dedicated readers, each a
        connection of its own, have no log and see another snapshot)."""
        return False

    def _connect_sync(self) -> None:
        """Once connected (and its tables made), the connection logs its writes: asked later,
        the first question comes inside a write's transaction almost always on a busy server,
        and a log made there would go with a rollback (``_logging``)."""
        super()._connect_sync()
        self._logging()

    # -- the questions ----------------------------------------------------------------------
    def _field_is_top_level_array_in_collection(
        self, db_name: str, coll_name: str, field: str
    ) -> bool:
        return self._exists(
            (db_name, coll_name, f"top_level_array:{field}"),
            f"json_type(document, {_path(field)}) = 'array'",
            (),
            lambda: super(FeaturesKeptUpToDate, self)._field_is_top_level_array_in_collection(
                db_name, coll_name, field
            ),
        )

    def _field_traverses_array_in_collection(
        self, db_name: str, coll_name: str, field: str
    ) -> bool:
        prefixes = path_array_prefixes(field)
        if not prefixes:
            return False
        return self._exists(
            (db_name, coll_name, f"traverses_array:{field}"),
            " OR ".join(f"json_type(document, {_path(p)}) = 'array'" for p in prefixes),
            (),
            lambda: super(FeaturesKeptUpToDate, self)._field_traverses_array_in_collection(
                db_name, coll_name, field
            ),
        )

    def _field_contains_tagged_value_type_in_collection(
        self, db_name: str, coll_name: str, field: str, value_type: str
    ) -> bool:
        tagged = json_path_for_field(field) + f'."{DocumentCodec._MARKER}".{DocumentCodec._TYPE}'
        return self._exists(
            (db_name, coll_name, f"tagged_type:{field}:{value_type}"),
            "json_extract(document, ?) = ?",
            (tagged, value_type),
            lambda: super(
                FeaturesKeptUpToDate, self
            )._field_contains_tagged_value_type_in_collection(
                db_name, coll_name, field, value_type
            ),
        )

    def _field_has_uniform_scalar_sort_type_in_collection(
        self, db_name: str, coll_name: str, field: str
    ) -> str | None:
        key = (db_name, coll_name, f"uniform_scalar_sort_type:{field}")
        cached = self._collection_features_cache.get(key)
        if isinstance(cached, str) and key in self._answered_at:
            types = _TYPES_OF[cached]
            other = f"coalesce(json_type(document, {_path(field)}), '') NOT IN {types}"
            if not self._written_since(key, other, ()):
                return cached
            self._collection_features_cache.pop(key)  # asked anew, in full
        logged, asked_at = self._logging(), self._last_write
        answer = super()._field_has_uniform_scalar_sort_type_in_collection(
            db_name, coll_name, field
        )
        if answer is not None and logged:
            self._answered_at[key] = asked_at
        return answer

    # -- keeping answers ------------------------------------------------------------------------
    def _invalidate_collection_features_cache(
        self, db_name: str | None = None, coll_name: str | None = None
    ) -> None:
        """A write to a collection: the answers kept up to date here stay (they look at the
        writes when next asked), the others go. Without a collection (a rollback, a new
        connection): all go."""
        if db_name is None or coll_name is None:
            self._answered_at.clear()
            super()._invalidate_collection_features_cache(db_name, coll_name)
            return
        cache = self._collection_features_cache
        kept = {
            key: cache[key]
            for key in self._answered_at
            if key[:2] == (db_name, coll_name) and key in cache
        }
        super()._invalidate_collection_features_cache(db_name, coll_name)
        cache.update(kept)

    def _exists(
        self, key: Key, predicate: str, params: Sequence[object], ask: Callable[[], bool]
    ) -> bool:
        cache = self._collection_features_cache
        if key in self._answered_at and cache.get(key) is False:
            if self._written_since(key, predicate, params):
                cache[key] = True
            return bool(cache[key])
        if key in cache:
            return bool(cache[key])
        logged, asked_at = self._logging(), self._last_write
        answer = ask()
        if logged:  # else mongoeco's own caching: forgotten at the next write
            self._answered_at[key] = asked_at
        return answer

    def _written_since(self, key: Key, predicate: str, params: Sequence[object]) -> bool:
        """Whether a document of the key's collection written since the key was answered
        matches ``predicate``; the answer has then seen every write so far."""
        db_name, coll_name, _ = key
        since, self._answered_at[key] = self._answered_at[key], self._last_write
        if since == self._last_write:
            return False
        row = (
            self._require_connection()
            .execute(
                "SELECT 1 FROM documents WHERE db_name = ? AND coll_name = ? AND storage_key IN"
                " (SELECT storage_key FROM aiq_written WHERE db_name = ? AND coll_name = ?"
                f" AND seq > ?) AND ({predicate}) LIMIT 1",
                (db_name, coll_name, db_name, coll_name, since, *params),
            )
            .fetchone()
        )
        self._prune()
        return row is not None

    def _logging(self) -> bool:
        """Whether the engine's connection logs its writes: the log is made when the engine
        connects, or else at the first question asked outside a transaction (made inside
        one, it would go with a rollback; until then answers are mongoeco's, forgotten at
        each write). A new connection gets a new log."""
        connection = self._require_connection()
        if self._logged_on is connection:
            return True
        if connection.in_transaction:
            return False
        connection.create_function("aiq_next_write", 0, self._next_write)
        for statement in _LOG:
            connection.execute(statement)
        if connection.in_transaction:
            connection.commit()
        self._logged_on = connection
        return True

    def _next_write(self) -> int:
        self._last_write = next(self._writes)
        return self._last_write

    def _prune(self) -> None:
        """Writes every answer has seen leave the log; an answer lagging too far behind is
        asked anew in full next time."""
        if self._last_write - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = self._last_write
        lagging = self._last_write - KEEP_AT_MOST
        for key in [k for k, at in self._answered_at.items() if at < lagging]:
            self._answered_at.pop(key)
            self._collection_features_cache.pop(key, None)
        oldest = min(self._answered_at.values(), default=self._last_write)
        self._require_connection().execute("DELETE FROM aiq_written WHERE seq <= ?", (oldest,))
