"""One table (or the query) of a source task: the SQL of its mode, its offset, and reading it in
batches from a server-side cursor.

The WHERE clauses are Confluent's: incrementing ``inc > last_inc``; timestamp ``ts > last_ts AND
ts < now - delay``; timestamp+incrementing ``ts < now - delay AND ((ts = last_ts AND inc > last_inc)
OR ts > last_ts)``, ordered by (ts, inc), so the offset after a row says exactly which rows follow.
Offsets have Confluent's keys: ``incrementing`` and ``timestamp`` (epoch ms) with ``timestamp_nanos``
(the nanoseconds of that second).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import count
from typing import TYPE_CHECKING, Any

from connectd.api import ConnectError, SourceRecordBatch
from connectd.plugins.postgres.schema_mapping import RowMapping, SourceColumn, row_mapping
from connectd.plugins.postgres.source_config import (
    BULK,
    INCREMENTING,
    INCREMENTING_COLUMN,
    TIMESTAMP_COLUMN,
    TIMESTAMP_INCREMENTING,
    VALIDATE_NON_NULL,
)

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql as sql_t

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_IDS = count()


def offset_of(timestamp: datetime | None, incrementing: int | None) -> dict[str, Any]:
    offset: dict[str, Any] = {}
    if incrementing is not None:
        offset["incrementing"] = incrementing
    if timestamp is not None:
        aware = timestamp if timestamp.tzinfo is not None else timestamp.replace(tzinfo=UTC)
        delta = aware - _EPOCH
        seconds = delta.days * 86_400 + delta.seconds
        offset["timestamp"] = seconds * 1000 + delta.microseconds // 1000
        offset["timestamp_nanos"] = delta.microseconds * 1000
    return offset


def timestamp_of(offset: Mapping[str, Any]) -> datetime | None:
    """The instant an offset names (Confluent's millis plus the second's nanos), to the microsecond."""
    millis = offset.get("timestamp")
    if millis is None:
        return None
    seconds = int(millis) // 1000
    nanos = offset.get("timestamp_nanos")
    micros = int(nanos) // 1000 if nanos is not None else (int(millis) % 1000) * 1000
    return _EPOCH + timedelta(seconds=seconds, microseconds=micros)


@dataclass
class TableSpec:
    """What one querier reads: a table (schema, name) or the query, and where its records go."""

    topic: str
    partition: dict[str, Any]
    schema: str | None = None
    table: str | None = None
    query: str | None = None


@dataclass
class TableQuerier:
    spec: TableSpec
    mode: str
    incrementing_column: str | None
    timestamp_columns: list[str]
    delay_ms: int
    batch_rows: int
    numeric_mapping: str
    zone: tzinfo
    last_timestamp: datetime | None = None
    last_incrementing: int | None = None
    next_due: float = 0.0
    _cursor: psycopg.ServerCursor[Any] | None = field(default=None, repr=False)
    _mapping: RowMapping | None = field(default=None, repr=False)
    _mapping_key: tuple[Any, ...] = field(default=(), repr=False)
    _columns_nullable: dict[str, bool] = field(default_factory=dict, repr=False)
    _ts_index: int = -1
    _inc_index: int = -1

    # --- the SQL -------------------------------------------------------------------------------

    def _from(self) -> sql_t.Composable:
        from psycopg import sql

        if self.spec.query is not None:
            return sql.SQL("({}) AS connectd_query").format(sql.SQL(self.spec.query))  # type: ignore[arg-type]
        return sql.Identifier(str(self.spec.schema), str(self.spec.table))

    def _timestamp_expr(self) -> sql_t.Composable:
        from psycopg import sql

        columns = [sql.Identifier(c) for c in self.timestamp_columns]
        if len(columns) == 1:
            return columns[0]
        return sql.SQL("COALESCE({})").format(sql.SQL(", ").join(columns))

    def statement(self) -> tuple[sql_t.Composable, dict[str, Any]]:
        """The SELECT of this poll, and its parameters."""
        from psycopg import sql

        base = sql.SQL("SELECT * FROM {}").format(self._from())
        if self.mode == BULK:
            return base, {}
        params: dict[str, Any] = {}
        where: list[sql_t.Composable] = []
        order: list[sql_t.Composable] = []
        inc = sql.Identifier(str(self.incrementing_column)) if self.incrementing_column else None
        if self.mode == INCREMENTING:
            assert inc is not None
            where.append(sql.SQL("{} > %(inc)s").format(inc))
            params["inc"] = -1 if self.last_incrementing is None else self.last_incrementing
            order.append(inc)
        else:
            ts = self._timestamp_expr()
            # now() is the start of this read's transaction: rows at or after it wait for the next poll.
            where.append(sql.SQL("{} < now() - make_interval(secs => %(delay)s)").format(ts))
            params["delay"] = self.delay_ms / 1000
            if self.last_timestamp is not None:
                params["ts"] = self.last_timestamp
                if self.mode == TIMESTAMP_INCREMENTING and self.last_incrementing is not None:
                    assert inc is not None
                    where.append(
                        sql.SQL("(({ts} = %(ts)s AND {inc} > %(inc)s) OR {ts} > %(ts)s)").format(
                            ts=ts, inc=inc
                        )
                    )
                    params["inc"] = self.last_incrementing
                else:
                    where.append(sql.SQL("{} > %(ts)s").format(ts))
            order.append(ts)
            if self.mode == TIMESTAMP_INCREMENTING and inc is not None:
                order.append(inc)
        statement = sql.SQL("{} WHERE {} ORDER BY {}").format(
            base, sql.SQL(" AND ").join(where), sql.SQL(", ").join(order)
        )
        return statement, params

    # --- reading -------------------------------------------------------------------------------

    @property
    def reading(self) -> bool:
        return self._cursor is not None

    def check_columns(self, conn: psycopg.Connection[Any], validate_non_null: bool) -> None:
        """Learn which columns may be NULL (their schemas are optional), and refuse a nullable mode
        column when ``validate.non.null`` asks for it."""
        if self.spec.query is not None:
            return
        rows = conn.execute(
            "SELECT a.attname, NOT a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped",
            (self.spec.schema, self.spec.table),
        ).fetchall()
        conn.commit()
        self._columns_nullable = {name: nullable for name, nullable in rows}
        if not rows:
            raise ConnectError(f"Table {self.spec.schema}.{self.spec.table} has no columns or does not exist")
        wanted = (
            [(INCREMENTING_COLUMN, self.incrementing_column)]
            if self.mode in (INCREMENTING, TIMESTAMP_INCREMENTING)
            else []
        )
        if self.mode not in (BULK, INCREMENTING):
            wanted += [(TIMESTAMP_COLUMN, c) for c in self.timestamp_columns]
        for key, column in wanted:
            if column not in self._columns_nullable:
                raise ConnectError(
                    f"{key}={column}: table {self.spec.schema}.{self.spec.table} has no column {column!r}"
                )
            if validate_non_null and self._columns_nullable[column]:
                raise ConnectError(
                    f"{key}={column}: column {column!r} of {self.spec.schema}.{self.spec.table} may be NULL; "
                    f"make it NOT NULL or set {VALIDATE_NON_NULL}=false"
                )

    def _mapping_for(self, description: list[Any]) -> RowMapping:
        key = tuple((c.name, c.type_code, c.precision, c.scale) for c in description)
        if self._mapping is None or key != self._mapping_key:
            columns = [
                SourceColumn(
                    c.name,
                    c.type_code,
                    self._columns_nullable.get(c.name, True),
                    c.precision,
                    c.scale if c.precision is not None else None,
                )
                for c in description
            ]
            name = self.spec.table if self.spec.query is None else None
            self._mapping = row_mapping(name, columns, self.numeric_mapping, self.zone)
            self._mapping_key = key
            names = [c.name for c in description]
            self._inc_index = (
                names.index(self.incrementing_column) if self.incrementing_column in names else -1
            )
            first_ts = self.timestamp_columns[0] if self.timestamp_columns else None
            self._ts_index = names.index(first_ts) if first_ts in names else -1
            if self.mode != BULK and self.mode != INCREMENTING and self._ts_index < 0:
                raise ConnectError(f"{TIMESTAMP_COLUMN}: the result has no column {first_ts!r}")
            if self.mode in (INCREMENTING, TIMESTAMP_INCREMENTING) and self._inc_index < 0:
                raise ConnectError(
                    f"{INCREMENTING_COLUMN}: the result has no column {self.incrementing_column!r}"
                )
        return self._mapping

    def read(self, conn: psycopg.Connection[Any]) -> tuple[SourceRecordBatch | None, bool]:
        """The next batch of this table's rows, and whether the current read is finished (its
        transaction then ended)."""
        if self._cursor is None:
            statement, params = self.statement()
            self._cursor = conn.cursor(name=f"connectd_{next(_CURSOR_IDS)}")
            self._cursor.itersize = self.batch_rows
            self._cursor.execute(statement, params)
        rows = self._cursor.fetchmany(self.batch_rows)
        records = self._records(rows, self._cursor.description or [])
        finished = len(rows) < self.batch_rows
        if finished:
            self.close(conn)
        return records, finished

    def _timestamp_value(self, row: tuple[Any, ...]) -> datetime | None:
        if len(self.timestamp_columns) == 1:
            value = row[self._ts_index]
        else:
            value = next((row[i] for i in self._ts_indexes(row) if row[i] is not None), None)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value

    def _ts_indexes(self, row: tuple[Any, ...]) -> list[int]:
        assert self._mapping is not None
        names = self._mapping.names
        return [names.index(c) for c in self.timestamp_columns if c in names]

    def _records(self, rows: list[tuple[Any, ...]], description: list[Any]) -> SourceRecordBatch | None:
        """The rows as one batch of the table's records; its offset is its last row's (the batch
        commits as one)."""
        if not rows:
            return None
        mapping = self._mapping_for(description)
        values = list(map(mapping.value, rows))
        if self.mode == BULK:
            return SourceRecordBatch(self.spec.topic, values, mapping.schema)
        uses_ts, uses_inc = self.mode != INCREMENTING, self.mode in (INCREMENTING, TIMESTAMP_INCREMENTING)
        if uses_ts:
            self.last_timestamp = self._timestamp_value(rows[-1])
        if uses_inc:
            self.last_incrementing = int(rows[-1][self._inc_index])
        offset = offset_of(
            self.last_timestamp if uses_ts else None, self.last_incrementing if uses_inc else None
        )
        return SourceRecordBatch(self.spec.topic, values, mapping.schema, self.spec.partition, offset)

    def close(self, conn: psycopg.Connection[Any] | None) -> None:
        """End the current read (its cursor and transaction)."""
        cursor, self._cursor = self._cursor, None
        if cursor is not None and not cursor.closed:
            with contextlib.suppress(Exception):  # the connection may be gone: nothing left to release
                cursor.close()
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):
                conn.commit()

    def resume_from(self, offset: Mapping[str, Any] | None) -> None:
        if not offset:
            return
        if offset.get("incrementing") is not None:
            self.last_incrementing = int(offset["incrementing"])
        self.last_timestamp = timestamp_of(offset)
