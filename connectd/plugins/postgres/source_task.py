"""The source task: its tables' queriers, polled in turn on one connection.

A table read to its end waits ``poll.interval.ms`` before its next read; a read in progress is
continued (``batch.max.rows`` rows per poll) before any other table's. Waits are on an event that
``stop()`` sets, so the task ends promptly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectd.api import ConnectError, SourceRecordBatch, SourceTask
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.postgres.connection import ConnectionSettings, psycopg_module
from connectd.plugins.postgres.source_config import (
    BATCH_MAX_ROWS,
    BULK,
    DB_TIMEZONE,
    INCREMENTING,
    INCREMENTING_COLUMN,
    MODE,
    NUMERIC_MAPPING,
    POLL_INTERVAL_MS,
    QUERY,
    TASK_TABLES,
    TIMESTAMP_COLUMN,
    TIMESTAMP_DELAY_MS,
    TIMESTAMP_INITIAL,
    TIMESTAMP_INITIAL_CURRENT,
    TOPIC_PREFIX,
    VALIDATE_NON_NULL,
    source_config_def,
)
from connectd.plugins.postgres.table_query import TableQuerier, TableSpec

log = logging.getLogger(__name__)

_MAX_IDLE_WAIT_S = 1.0  # poll() returns at least this often when idle, so the runtime keeps committing
QUERY_PARTITION = {"query": "query"}


def table_partition(table: str) -> dict[str, Any]:
    return {"table": table}


class PostgresSourceTask(SourceTask):
    def version(self) -> str:
        return BUILTIN_VERSION

    def start(self, config: Mapping[str, str]) -> None:
        psycopg_module()  # fail now, with the extra to install, when the driver is missing
        parsed = source_config_def().parse(config)
        self._settings = ConnectionSettings.from_parsed(parsed)
        self._stopping = threading.Event()
        self._poll_interval_s = parsed[POLL_INTERVAL_MS] / 1000
        self._time_zone = parsed[DB_TIMEZONE]
        self._validate_non_null = parsed[VALIDATE_NON_NULL]
        self._initial = parsed[TIMESTAMP_INITIAL]
        self._mode = parsed[MODE]
        zone = ZoneInfo(self._time_zone)
        prefix = parsed[TOPIC_PREFIX]
        if parsed[QUERY]:
            specs = [TableSpec(prefix, dict(QUERY_PARTITION), query=parsed[QUERY])]
        else:
            tables = json.loads(config.get(TASK_TABLES) or "[]")
            specs = [TableSpec(prefix + name, table_partition(name), schema, name) for schema, name in tables]
        self._queriers = [
            TableQuerier(
                spec,
                self._mode,
                parsed[INCREMENTING_COLUMN] or None,
                list(parsed[TIMESTAMP_COLUMN]),
                parsed[TIMESTAMP_DELAY_MS],
                parsed[BATCH_MAX_ROWS],
                (parsed[NUMERIC_MAPPING] or "none").lower(),
                zone,
            )
            for spec in specs
        ]
        self._resumed: set[int] = set()
        if self._mode != BULK and self._queriers:
            offsets = self.context.offset_reader.offsets([q.spec.partition for q in self._queriers])
            for index, (querier, offset) in enumerate(zip(self._queriers, offsets, strict=True)):
                querier.resume_from(offset)
                if offset:
                    self._resumed.add(index)
        self._conn: Any = None
        self._prepared = False
        # Held while poll() uses the connection: stop() closes it only when no read is under way.
        self._reading = threading.Lock()

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            conn = self._settings.connect(self._stopping)
            conn.execute("SELECT set_config('TimeZone', %s, false)", (self._time_zone,))
            conn.commit()
            self._conn = conn
            if not self._prepared:
                self._prepare(conn)
        return self._conn

    def _prepare(self, conn: Any) -> None:
        """Check each table's columns once, and place timestamp.initial where no offset was committed."""
        for querier in self._queriers:
            querier.check_columns(conn, self._validate_non_null)
        if self._initial is not None and self._mode not in (BULK, INCREMENTING):
            if self._initial == TIMESTAMP_INITIAL_CURRENT:
                start = conn.execute("SELECT now()").fetchone()[0]
                conn.commit()
            else:
                start = datetime.fromtimestamp(self._initial / 1000, UTC)
            for index, querier in enumerate(self._queriers):
                if index not in self._resumed:
                    querier.last_timestamp = start
        self._prepared = True

    def poll(self) -> SourceRecordBatch | None:
        with self._reading:
            records = self._poll()
            if self._stopping.is_set():
                self._drop_connection()
            return records

    def _poll(self) -> SourceRecordBatch | None:
        if self._stopping.is_set() or not self._queriers:
            self._stopping.wait(_MAX_IDLE_WAIT_S)
            return None
        querier = next((q for q in self._queriers if q.reading), None) or min(
            self._queriers, key=lambda q: q.next_due
        )
        wait = querier.next_due - time.monotonic()
        if wait > 0:
            self._stopping.wait(min(wait, _MAX_IDLE_WAIT_S))
            return None
        driver = psycopg_module()
        try:
            records, finished = querier.read(self._connection())
        except driver.OperationalError as exc:
            if self._stopping.is_set():
                return None
            # The connection broke: every read starts again from the offsets already handed over.
            log.warning("reading %s failed, reconnecting: %s", querier.spec.partition, exc)
            self._drop_connection()
            querier.next_due = time.monotonic() + self._settings.backoff_ms / 1000
            return None
        except driver.Error as exc:
            self._drop_connection()
            raise ConnectError(f"Reading {querier.spec.partition} failed: {exc}") from exc
        if finished:
            querier.next_due = time.monotonic() + self._poll_interval_s
        return records or None

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        for querier in self._queriers:
            querier.close(None)
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken
                conn.close()

    def stop(self) -> None:
        self._stopping.set()
        if self._reading.acquire(blocking=False):
            try:
                self._drop_connection()
            finally:
                self._reading.release()
            return
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.cancel_safe()  # a long query in poll() ends now; poll() then closes the connection
