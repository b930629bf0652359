"""PostgresSourceConnector: finds the tables to copy and splits them across ``tasks.max`` tasks;
watches for tables added or removed every ``table.poll.interval.ms``."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectd.api import (
    ConfigDef,
    ConfigError,
    ConfigValue,
    ConnectError,
    ExactlyOnceSupport,
    SourceConnector,
)
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.postgres.connection import ConnectionSettings
from connectd.plugins.postgres.source_config import (
    BULK,
    MODE,
    QUERY,
    SCHEMA_PATTERN,
    TABLE_POLL_INTERVAL_MS,
    TABLE_TYPES,
    TASK_TABLES,
    cross_check,
    include_exclude,
    relkinds,
    source_config_def,
)
from connectd.plugins.postgres.source_task import PostgresSourceTask

log = logging.getLogger(__name__)

Table = tuple[str, str]  # (schema, name)


def select_tables(tables: Iterable[Table], include: Sequence[str], exclude: Sequence[str]) -> list[Table]:
    """The tables to copy: those the include list names (by ``name`` or ``schema.name``), else all but
    the excluded; sorted, so every task split is stable."""

    def named(table: Table, names: Sequence[str]) -> bool:
        return table[1] in names or f"{table[0]}.{table[1]}" in names

    chosen = [t for t in tables if (named(t, include) if include else not named(t, exclude))]
    return sorted(set(chosen))


def split_tables(tables: Sequence[Table], max_tasks: int) -> list[list[Table]]:
    """At most ``max_tasks`` non-empty groups, round robin (each task gets a near-equal share)."""
    count = min(max_tasks, len(tables))
    return [list(tables[i::count]) for i in range(count)]


def check_unique_names(tables: Sequence[Table]) -> None:
    seen: dict[str, str] = {}
    for schema, name in tables:
        if name in seen:
            raise ConnectError(
                f"Tables {seen[name]}.{name} and {schema}.{name} would share a topic and an offset: narrow "
                f"{SCHEMA_PATTERN} or name one of them in table.include.list / table.exclude.list"
            )
        seen[name] = schema


def list_tables(conn: Any, schema_pattern: str | None, kinds: list[str]) -> list[Table]:
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = ANY(%s) AND NOT c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%' "
        "AND (%s::text IS NULL OR n.nspname LIKE %s) ORDER BY 1, 2",
        (kinds, schema_pattern, schema_pattern),
    ).fetchall()
    return [(schema, name) for schema, name in rows]


def parse_checked(config: Mapping[str, str]) -> dict[str, Any]:
    """The parsed config, or a ConfigError naming the first bad key (cross-key checks included)."""
    definition = source_config_def()
    parsed = definition.parse(config)
    results = definition.validate(config)
    cross_check(config, results)
    for name, result in results.items():
        if result.errors:
            raise ConfigError(name, config.get(name), "; ".join(result.errors))
    return parsed


class PostgresSourceConnector(SourceConnector):
    aliases = ("io.confluent.connect.jdbc.JdbcSourceConnector",)

    def version(self) -> str:
        return BUILTIN_VERSION

    def config_def(self) -> ConfigDef:
        return source_config_def()

    def validate(self, config: Mapping[str, str]) -> dict[str, ConfigValue]:
        results = super().validate(config)
        cross_check(config, results)
        return results

    def start(self, config: Mapping[str, str]) -> None:
        self._config = dict(config)
        self._parsed = parse_checked(config)
        self._settings = ConnectionSettings.from_parsed(self._parsed)
        self._stopping = threading.Event()
        self._tables: list[Table] = [] if self._parsed[QUERY] else self._find_tables()
        self._monitor: threading.Thread | None = None
        interval = self._parsed[TABLE_POLL_INTERVAL_MS]
        if not self._parsed[QUERY] and interval > 0:
            self._monitor = threading.Thread(
                target=self._watch_tables, args=(interval / 1000,), name="postgres-table-monitor", daemon=True
            )
            self._monitor.start()

    def _find_tables(self) -> list[Table]:
        with self._settings.connect(self._stopping, autocommit=True) as conn:
            found = list_tables(conn, self._parsed[SCHEMA_PATTERN], relkinds(self._parsed[TABLE_TYPES]))
        tables = select_tables(found, *include_exclude(self._parsed))
        check_unique_names(tables)
        return tables

    def _watch_tables(self, interval_s: float) -> None:
        while not self._stopping.wait(interval_s):
            try:
                tables = self._find_tables()
            except Exception as exc:  # the database may be away for a while: look again later
                log.warning("looking for added or removed tables failed: %s", exc)
                continue
            if tables != self._tables:
                log.info("tables changed from %s to %s: reconfiguring the tasks", self._tables, tables)
                self._tables = tables
                self.context.request_task_reconfiguration()

    def task_class(self) -> type[PostgresSourceTask]:
        return PostgresSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        if self._parsed[QUERY]:
            return [dict(self._config)]
        return [
            {**self._config, TASK_TABLES: json.dumps(group)}
            for group in split_tables(self._tables, max_tasks)
        ]

    def exactly_once_support(self, config: Mapping[str, str]) -> ExactlyOnceSupport:
        # An offset names the next row exactly in the incremental modes; bulk copies re-read everything.
        return ExactlyOnceSupport.UNSUPPORTED if config.get(MODE) == BULK else ExactlyOnceSupport.SUPPORTED

    def alter_offsets(
        self, config: Mapping[str, str], offsets: Sequence[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> bool:
        for partition, offset in offsets:
            if "table" not in partition and "query" not in partition:
                raise ConnectError("Partition objects should contain the key 'table' or 'query'")
            for key, value in (offset or {}).items():
                if key not in ("incrementing", "timestamp", "timestamp_nanos"):
                    raise ConnectError(
                        f"Unknown offset key {key!r}: expected incrementing, timestamp, timestamp_nanos"
                    )
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ConnectError(
                        f"The value for the {key!r} key in the offset is expected to be a Long value"
                    )
        return True  # offsets live only in Kafka Connect's store

    def stop(self) -> None:
        stopping = getattr(self, "_stopping", None)
        if stopping is not None:
            stopping.set()
        monitor = getattr(self, "_monitor", None)
        if monitor is not None:
            monitor.join(5)
