"""The initial snapshot: every captured table read in one REPEATABLE READ transaction, in key order
and in batches, so that a restart resumes after the last key whose records were committed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from connectd.plugins.postgres_cdc.events import TableInfo


@dataclass(frozen=True, slots=True)
class SnapshotBatch:
    table: TableInfo
    rows: list[tuple[str | None, ...]]  # each column's text form, in the table's column order
    last_key: list[str | None] | None  # the primary key of the last row (None: the table has none)
    table_done: bool
    snapshot_done: bool  # the last batch of the last table


class Snapshot:
    """Reads ``tables`` (sorted by schema.table) from the exported snapshot ``snapshot_name`` when the
    slot was just created (the snapshot and the stream then meet exactly), else from a fresh one (the
    stream then repeats changes the snapshot already saw: at least once, nothing lost)."""

    def __init__(
        self,
        conninfo: str,
        tables: Sequence[TableInfo],
        fetch_size: int,
        snapshot_name: str | None,
        resume: tuple[str, list[str | None] | None] | None,
    ) -> None:
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if snapshot_name:
            self._conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_name)))
        self._fetch = fetch_size
        self._tables = sorted(tables, key=lambda t: (t.schema, t.name))
        start_key: list[str | None] | None = None
        if resume is not None:
            # Tables before the one in progress were done; a table without a key starts over.
            self._tables = [t for t in self._tables if t.qualified >= resume[0]]
            if self._tables and self._tables[0].qualified == resume[0]:
                start_key = resume[1]
        self._batches = self._read_all(start_key)

    def _key_types(self, table: TableInfo) -> list[str]:
        types = {c.name: (c.type_oid, c.type_modifier) for c in table.columns}
        return [
            str(self._conn.execute("SELECT format_type(%s, %s)", types[name]).fetchone()[0])  # type: ignore[index]
            for name in table.primary_key
        ]

    def _read_all(self, start_key: list[str | None] | None) -> Iterator[SnapshotBatch]:
        for index, table in enumerate(self._tables):
            last = index == len(self._tables) - 1
            yield from self._read_table(table, start_key if index == 0 else None, last)

    def _read_table(
        self, table: TableInfo, after: list[str | None] | None, last_table: bool
    ) -> Iterator[SnapshotBatch]:
        # Text forms: the snapshot's values then go through the same converters as the stream's.
        columns = sql.SQL(", ").join(
            sql.SQL("{}::text").format(sql.Identifier(c.name)) for c in table.columns
        )
        source = sql.Identifier(table.schema, table.name)
        if not table.primary_key:
            with self._conn.cursor(name=f"snapshot_{abs(hash(table.qualified))}") as cursor:
                cursor.execute(sql.SQL("SELECT {} FROM {}").format(columns, source))
                while True:
                    rows = cursor.fetchmany(self._fetch)
                    done = len(rows) < self._fetch
                    yield SnapshotBatch(table, rows, None, done, done and last_table)
                    if done:
                        return
        key_columns = [sql.Identifier(name) for name in table.primary_key]
        order = sql.SQL(", ").join(key_columns)
        positions = [[c.name for c in table.columns].index(name) for name in table.primary_key]
        types = self._key_types(table)
        while True:
            where = sql.SQL("")
            params: list[str | None] = []
            if after is not None:
                bounds = sql.SQL(", ").join(sql.SQL("%s::" + t) for t in types)  # type: ignore[arg-type]
                where = sql.SQL(" WHERE ({}) > ({})").format(order, bounds)
                params = list(after)
            query = sql.SQL("SELECT {} FROM {}{} ORDER BY {} LIMIT {}").format(
                columns, source, where, order, sql.Literal(self._fetch + 1)
            )
            rows = self._conn.execute(query, params).fetchall()
            # One row more than a batch was asked for: if it came, this is not the table's end.
            done = len(rows) <= self._fetch
            rows = rows[: self._fetch]
            after = [rows[-1][i] for i in positions] if rows else after
            yield SnapshotBatch(table, rows, after, done, done and last_table)
            if done:
                return

    def next_batch(self) -> SnapshotBatch | None:
        return next(self._batches, None)

    def close(self) -> None:
        try:
            self._conn.execute("COMMIT")
        finally:
            self._conn.close()
