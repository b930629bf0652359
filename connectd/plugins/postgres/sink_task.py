"""The sink task: each put() is one transaction that creates or evolves tables as needed and writes
its records in order, in runs of records bound for the same table with the same columns.

A long insert or upsert run goes through COPY (see ``_copy``); other runs are sent ``batch.size``
rows at a time with executemany (psycopg pipelines the statements, one round trip per batch).

A connection failure rolls the whole put() back and retries it (``max.retries``,
``retry.backoff.ms``); with insert.mode=upsert a retried or redelivered batch rewrites the same
rows, so nothing is duplicated.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectd.api import ConnectError, SinkRecord, SinkTask, TopicPartition
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.postgres import sql_writer
from connectd.plugins.postgres.connection import ConnectionSettings, psycopg_module
from connectd.plugins.postgres.record_rows import Layout, key_params, layout_of, value_params
from connectd.plugins.postgres.sink_config import (
    AUTO_CREATE,
    AUTO_EVOLVE,
    BATCH_SIZE,
    DELETE_ENABLED,
    FIELDS_WHITELIST,
    INSERT,
    INSERT_MODE,
    MAX_RETRIES,
    PK_FIELDS,
    PK_MODE,
    RETRY_BACKOFF_MS,
    TABLE_NAME_FORMAT,
    UPDATE,
    UPSERT,
    sink_config_def,
)
from connectd.plugins.postgres.source_config import DB_TIMEZONE
from connectd.plugins.postgres.sql_writer import TableId

log = logging.getLogger(__name__)

_DELETE, _WRITE = "delete", "write"
# Runs at least this long go through COPY; shorter ones through statements (COPY's fixed cost is
# a few round trips more).
_COPY_MIN_ROWS = 64


@dataclass
class Run:
    """Consecutive records for one table, one operation and one set of columns."""

    table: TableId
    op: str
    layout: Layout
    records: list[SinkRecord] = field(default_factory=list)


class PostgresSinkTask(SinkTask):
    def version(self) -> str:
        return BUILTIN_VERSION

    def start(self, config: Mapping[str, str]) -> None:
        psycopg_module()  # fail now, with the extra to install, when the driver is missing
        parsed = sink_config_def().parse(config)
        self._settings = ConnectionSettings.from_parsed(parsed)
        self._time_zone = parsed[DB_TIMEZONE]
        self._insert_mode: str = parsed[INSERT_MODE]
        self._pk_mode: str = parsed[PK_MODE]
        self._pk_fields: list[str] = parsed[PK_FIELDS]
        self._whitelist: list[str] = parsed[FIELDS_WHITELIST]
        self._table_format: str = parsed[TABLE_NAME_FORMAT]
        self._batch_size: int = parsed[BATCH_SIZE]
        self._delete_enabled: bool = parsed[DELETE_ENABLED]
        self._auto_create: bool = parsed[AUTO_CREATE]
        self._auto_evolve: bool = parsed[AUTO_EVOLVE]
        self._max_retries: int = parsed[MAX_RETRIES]
        self._backoff_s: float = parsed[RETRY_BACKOFF_MS] / 1000
        self._stopping = threading.Event()
        self._conn: Any = None
        self._tables: dict[str, TableId] = {}
        self._columns: dict[TableId, dict[str, bool]] = {}
        # Layouts by the identity of the schemas (kept alive here, so an id is never reused) or, for
        # schemaless records, by their field names.
        self._layouts: dict[Any, tuple[Any, Layout]] = {}
        self._statements: dict[Any, Any] = {}
        self._zone = ZoneInfo(self._time_zone)
        self._stages = 0  # staging tables made, for unique names within a transaction

    # --- grouping ------------------------------------------------------------------------------

    def _layout(self, record: SinkRecord) -> Layout:
        value, key = record.value, record.key
        cache_key = (
            id(record.value_schema)
            if record.value_schema is not None
            else (tuple(value) if isinstance(value, Mapping) else type(value)),
            id(record.key_schema)
            if record.key_schema is not None
            else (tuple(key) if isinstance(key, Mapping) else type(key)),
            value is None,
        )
        cached = self._layouts.get(cache_key)
        if cached is None:
            cached = ((record.value_schema, record.key_schema), self._new_layout(record))
            self._layouts[cache_key] = cached
        return cached[1]

    def _new_layout(self, record: SinkRecord) -> Layout:
        return layout_of(record, self._pk_mode, self._pk_fields, self._whitelist)

    def _table(self, topic: str) -> TableId:
        table = self._tables.get(topic)
        if table is None:
            table = self._tables[topic] = sql_writer.table_for(self._table_format, topic)
        return table

    def runs(self, records: Sequence[SinkRecord]) -> list[Run]:
        runs: list[Run] = []
        current: Run | None = None
        for record in records:
            if record.value is None:
                if not self._delete_enabled:
                    continue  # a tombstone carries no row to write
                op = _DELETE
            else:
                op = _WRITE
            table, layout = self._table(record.topic), self._layout(record)
            if current is None or current.table != table or current.op != op or current.layout != layout:
                current = Run(table, op, layout)
                runs.append(current)
            current.records.append(record)
        return runs

    # --- writing -------------------------------------------------------------------------------

    def put(self, records: list[SinkRecord]) -> None:
        runs = self.runs(records)
        if not runs:
            return
        driver = psycopg_module()
        for attempt in range(self._max_retries + 1):
            try:
                conn = self._connection()
                with conn.transaction():
                    for run in runs:
                        self._write(conn, run)
                return
            except driver.OperationalError as exc:
                self._drop_connection()
                if attempt == self._max_retries or self._stopping.is_set():
                    raise ConnectError(
                        f"Writing to PostgreSQL failed after {attempt + 1} attempt(s): {exc}"
                    ) from exc
                log.warning("writing to PostgreSQL failed (attempt %d), retrying: %s", attempt + 1, exc)
                self._stopping.wait(self._backoff_s)
            except driver.Error as exc:
                self._columns.clear()  # DDL of this transaction was rolled back with it
                raise ConnectError(f"Writing to PostgreSQL failed: {exc}") from exc
            except BaseException:
                self._columns.clear()
                raise

    def _write(self, conn: Any, run: Run) -> None:
        layout = run.layout
        if not self._ensure_table(conn, run):
            return
        if run.op == _DELETE:
            statement = self._statement(
                ("delete", run.table, tuple(layout.key_names)),
                lambda: sql_writer.delete_statement(run.table, layout.key_names),
            )
            params = [key_params(r, layout, self._pk_mode) for r in run.records]
        else:
            statement, key_first = self._statement(
                (self._insert_mode, run.table, tuple(layout.key_names), tuple(layout.value_names)),
                lambda: sql_writer.write_statement(
                    self._insert_mode, run.table, layout.key_names, layout.value_names
                ),
            )
            pk_mode = self._pk_mode
            if key_first:
                params = [key_params(r, layout, pk_mode) + value_params(r, layout) for r in run.records]
            else:
                params = [value_params(r, layout) + key_params(r, layout, pk_mode) for r in run.records]
            if len(params) >= _COPY_MIN_ROWS and self._insert_mode in (INSERT, UPSERT) and key_first:
                self._copy(conn, run, params)
                return
        size = self._batch_size
        with conn.cursor() as cursor:
            for start in range(0, len(params), size):
                cursor.executemany(statement, params[start : start + size])

    def _copy(self, conn: Any, run: Run, params: list[list[Any]]) -> None:
        """Many rows at once: COPY straight into the table (insert), or into a staging table then one
        INSERT ... ON CONFLICT (upsert). Several times faster than statements one by one."""
        layout, zone = run.layout, self._zone
        names = [*layout.key_names, *layout.value_names]
        # COPY's text form of an aware datetime carries its offset, which a TIMESTAMP column would
        # drop: every instant is given as a local time of the session's zone instead.
        for row in params:
            for i, value in enumerate(row):
                if isinstance(value, datetime) and value.tzinfo is not None:
                    row[i] = value.astimezone(zone).replace(tzinfo=None)
        if self._insert_mode == INSERT or not layout.key:
            with conn.cursor() as cursor, cursor.copy(sql_writer.copy_into(run.table, names)) as copy:
                for row in params:
                    copy.write_row(row)
            return
        self._stages += 1
        stage = f"connectd_stage_{self._stages}"
        with conn.cursor() as cursor:
            cursor.execute(sql_writer.create_stage(stage, run.table, names))
            with cursor.copy(sql_writer.copy_into(stage, [*names, sql_writer.STAGE_ORDER])) as copy:
                for seq, row in enumerate(params):
                    copy.write_row([*row, seq])
            cursor.execute(
                sql_writer.upsert_from_stage(stage, run.table, layout.key_names, layout.value_names)
            )

    def _statement(self, key: Any, build: Any) -> Any:
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
        return statement

    def _ensure_table(self, conn: Any, run: Run) -> bool:
        """Create or evolve the run's table as the config allows; False when there is nothing to do
        (deletes from a table that does not exist)."""
        table, layout = run.table, run.layout
        columns = self._columns.get(table)
        if columns is None:
            columns = sql_writer.table_columns(conn, table)
            if columns is None:
                if run.op == _DELETE:
                    return False
                if not self._auto_create:
                    raise sql_writer.missing_table(table)
                log.info("creating table %s", table)
                conn.execute(sql_writer.create_table(table, layout.key, layout.value))
                columns = sql_writer.table_columns(conn, table) or {}
            self._columns[table] = columns
        missing = [f for f in layout.columns if f.name not in columns]
        if missing:
            if not self._auto_evolve:
                raise sql_writer.missing_columns(table, [f.name for f in missing])
            log.info("adding columns %s to table %s", [f.name for f in missing], table)
            conn.execute(sql_writer.add_columns(table, missing))
            self._columns[table] = sql_writer.table_columns(conn, table) or {}
        if self._insert_mode == UPDATE and run.op != _DELETE and not layout.key:
            raise ConnectError(f"{INSERT_MODE}={UPDATE} needs a primary key ({PK_MODE})")
        return True

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            conn = self._settings.connect(self._stopping, autocommit=True)
            conn.execute("SELECT set_config('TimeZone', %s, false)", (self._time_zone,))
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        self._columns.clear()
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken
                conn.close()

    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        pass  # every put() is committed before it returns

    def stop(self) -> None:
        self._stopping.set()
        self._drop_connection()
