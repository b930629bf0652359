"""The source connector's keys (Confluent's JDBC source names, defaults and meanings) and the checks
that span several keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectd.api import ConfigDef, ConfigType, ConfigValue, Importance, Range, ValidString
from connectd.plugins.postgres.connection import define_connection
from connectd.plugins.postgres.schema_mapping import NUMERIC_MAPPINGS

TABLE_INCLUDE_LIST = "table.include.list"
TABLE_WHITELIST = "table.whitelist"
TABLE_EXCLUDE_LIST = "table.exclude.list"
TABLE_BLACKLIST = "table.blacklist"
SCHEMA_PATTERN = "schema.pattern"
TABLE_TYPES = "table.types"
QUERY = "query"
MODE = "mode"
INCREMENTING_COLUMN = "incrementing.column.name"
TIMESTAMP_COLUMN = "timestamp.column.name"
VALIDATE_NON_NULL = "validate.non.null"
TIMESTAMP_DELAY_MS = "timestamp.delay.interval.ms"
TIMESTAMP_INITIAL = "timestamp.initial"
TOPIC_PREFIX = "topic.prefix"
POLL_INTERVAL_MS = "poll.interval.ms"
BATCH_MAX_ROWS = "batch.max.rows"
TABLE_POLL_INTERVAL_MS = "table.poll.interval.ms"
NUMERIC_MAPPING = "numeric.mapping"
DB_TIMEZONE = "db.timezone"

BULK, INCREMENTING, TIMESTAMP, TIMESTAMP_INCREMENTING = (
    "bulk",
    "incrementing",
    "timestamp",
    "timestamp+incrementing",
)
MODES = (BULK, INCREMENTING, TIMESTAMP, TIMESTAMP_INCREMENTING)
TIMESTAMP_INITIAL_CURRENT = -1

# The key of each task config that lists its tables (JSON: [[schema, table], ...]).
TASK_TABLES = "tables"

_DATABASE, _MODE, _CONNECTOR = "Database", "Mode", "Connector"


def source_config_def() -> ConfigDef:
    d = define_connection(ConfigDef(), _DATABASE)
    for order, (name, doc) in enumerate(
        (
            (
                TABLE_INCLUDE_LIST,
                "Tables to copy ('table' or 'schema.table'); empty copies every table "
                "the other keys allow. Not with table.exclude.list.",
            ),
            (TABLE_WHITELIST, "Former name of table.include.list."),
            (
                TABLE_EXCLUDE_LIST,
                "Tables not to copy ('table' or 'schema.table'). Not with table.include.list.",
            ),
            (TABLE_BLACKLIST, "Former name of table.exclude.list."),
        ),
        start=6,
    ):
        d.define(
            name,
            ConfigType.LIST,
            [],
            importance=Importance.MEDIUM,
            documentation=doc,
            group=_DATABASE,
            order_in_group=order,
        )
    d.define(
        SCHEMA_PATTERN,
        ConfigType.STRING,
        None,
        importance=Importance.MEDIUM,
        group=_DATABASE,
        order_in_group=10,
        documentation="SQL LIKE pattern of the schemas whose tables are copied; unset: every schema but "
        "PostgreSQL's own (pg_catalog, information_schema).",
    )
    d.define(
        TABLE_TYPES,
        ConfigType.LIST,
        ["TABLE"],
        importance=Importance.LOW,
        group=_DATABASE,
        order_in_group=11,
        validator=_table_types,
        documentation="Kinds of relations to copy: TABLE, VIEW, MATERIALIZED VIEW, PARTITIONED TABLE, "
        "FOREIGN TABLE.",
    )
    d.define(
        NUMERIC_MAPPING,
        ConfigType.STRING,
        None,
        importance=Importance.LOW,
        group=_DATABASE,
        order_in_group=12,
        validator=_optional_choice(NUMERIC_MAPPINGS),
        documentation="How NUMERIC columns map: none (unset; Connect Decimal), precision_only (integers for "
        "scale 0), best_fit (also FLOAT64 for precision <= 15), best_fit_eager_double (FLOAT64 for any "
        "fractional NUMERIC).",
    )
    d.define(
        DB_TIMEZONE,
        ConfigType.STRING,
        "UTC",
        importance=Importance.MEDIUM,
        group=_DATABASE,
        order_in_group=13,
        validator=check_time_zone,
        documentation="Time zone of the session: timestamps without time zone are read as times in it.",
    )
    d.define(
        MODE,
        ConfigType.STRING,
        importance=Importance.HIGH,
        group=_MODE,
        order_in_group=1,
        validator=ValidString(*MODES),
        documentation="How each poll finds new rows: bulk (the whole table every time), incrementing (a "
        "strictly increasing column: new rows), timestamp (a last-modified column: new and updated rows), "
        "timestamp+incrementing (both: new and updated rows, without losing rows that share a timestamp).",
    )
    d.define(
        INCREMENTING_COLUMN,
        ConfigType.STRING,
        "",
        importance=Importance.MEDIUM,
        group=_MODE,
        order_in_group=2,
        documentation="The strictly increasing column of incrementing and timestamp+incrementing modes.",
    )
    d.define(
        TIMESTAMP_COLUMN,
        ConfigType.LIST,
        [],
        importance=Importance.MEDIUM,
        group=_MODE,
        order_in_group=3,
        documentation="The last-modified column(s) of the timestamp modes; with several, the first that is "
        "not NULL (COALESCE) counts.",
    )
    d.define(
        VALIDATE_NON_NULL,
        ConfigType.BOOLEAN,
        True,
        importance=Importance.LOW,
        group=_MODE,
        order_in_group=4,
        documentation="Refuse to start when the incrementing or timestamp column of a table may be NULL.",
    )
    d.define(
        QUERY,
        ConfigType.STRING,
        "",
        importance=Importance.MEDIUM,
        group=_MODE,
        order_in_group=5,
        documentation="A SELECT to copy instead of tables (one task; topic = topic.prefix). Mode conditions "
        "are added around it, so it may have its own WHERE clause.",
    )
    d.define(
        TIMESTAMP_DELAY_MS,
        ConfigType.LONG,
        0,
        importance=Importance.HIGH,
        group=_MODE,
        order_in_group=6,
        validator=Range.at_least(0),
        documentation="In the timestamp modes, rows are copied once their timestamp is this many "
        "milliseconds in the past, giving transactions with earlier timestamps time to commit.",
    )
    d.define(
        TIMESTAMP_INITIAL,
        ConfigType.LONG,
        None,
        importance=Importance.LOW,
        group=_MODE,
        order_in_group=7,
        documentation="Where the timestamp modes start without a committed offset: epoch milliseconds, "
        "-1 for the current time; unset: from the beginning.",
    )
    d.define(
        TOPIC_PREFIX,
        ConfigType.STRING,
        importance=Importance.HIGH,
        group=_CONNECTOR,
        order_in_group=1,
        documentation="Topic of a table: this prefix and the table's name; with query, the topic itself.",
    )
    d.define(
        POLL_INTERVAL_MS,
        ConfigType.INT,
        5000,
        importance=Importance.HIGH,
        group=_CONNECTOR,
        order_in_group=2,
        validator=Range.at_least(0),
        documentation="Milliseconds between two polls of a table for new data.",
    )
    d.define(
        BATCH_MAX_ROWS,
        ConfigType.INT,
        100,
        importance=Importance.LOW,
        group=_CONNECTOR,
        order_in_group=3,
        validator=Range.at_least(1),
        documentation="Most rows handed to Kafka in one batch (rows are fetched from the server this many "
        "at a time).",
    )
    d.define(
        TABLE_POLL_INTERVAL_MS,
        ConfigType.LONG,
        60000,
        importance=Importance.LOW,
        group=_CONNECTOR,
        order_in_group=4,
        validator=Range.at_least(0),
        documentation="Milliseconds between two looks for tables added or removed (the tasks are then "
        "reconfigured); 0 never looks again.",
    )
    return d


def _optional_choice(choices: tuple[str, ...]) -> Any:
    check = ValidString(*choices, case_sensitive=False)

    def validate(name: str, value: Any) -> None:
        if value is not None:
            check(name, value)

    return validate


_RELKINDS = {
    "TABLE": "r",
    "VIEW": "v",
    "MATERIALIZED VIEW": "m",
    "PARTITIONED TABLE": "p",
    "FOREIGN TABLE": "f",
}


def relkinds(types: list[str]) -> list[str]:
    return [_RELKINDS[t.upper()] for t in types]


def _table_types(name: str, value: Any) -> None:
    from connectd.api import ConfigError

    unknown = [t for t in value or [] if t.upper() not in _RELKINDS]
    if unknown or not value:
        raise ConfigError(name, ",".join(value or []), f"Table types must be among {', '.join(_RELKINDS)}")


def check_time_zone(name: str, value: Any) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from connectd.api import ConfigError

    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(name, value, "Not a known time zone") from exc


def include_exclude(parsed: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The include and exclude lists, whichever of their two names was used."""
    return (
        parsed[TABLE_INCLUDE_LIST] or parsed[TABLE_WHITELIST],
        parsed[TABLE_EXCLUDE_LIST] or parsed[TABLE_BLACKLIST],
    )


def cross_check(config: Mapping[str, Any], results: dict[str, ConfigValue]) -> None:
    """Checks across keys, each error on the key to change. Only run on keys that parsed."""

    def value(name: str) -> Any:
        return results[name].value

    mode = value(MODE)
    if mode in (INCREMENTING, TIMESTAMP_INCREMENTING) and not value(INCREMENTING_COLUMN):
        results[INCREMENTING_COLUMN].add_error(f"{INCREMENTING_COLUMN} is required when {MODE}={mode}")
    if mode in (TIMESTAMP, TIMESTAMP_INCREMENTING) and not value(TIMESTAMP_COLUMN):
        results[TIMESTAMP_COLUMN].add_error(f"{TIMESTAMP_COLUMN} is required when {MODE}={mode}")
    pairs = ((TABLE_INCLUDE_LIST, TABLE_WHITELIST), (TABLE_EXCLUDE_LIST, TABLE_BLACKLIST))
    for new, old in pairs:
        if value(new) and value(old) and value(new) != value(old):
            results[old].add_error(f"{old} is the former name of {new}; set only one of them")
    include = value(TABLE_INCLUDE_LIST) or value(TABLE_WHITELIST)
    exclude = value(TABLE_EXCLUDE_LIST) or value(TABLE_BLACKLIST)
    if include and exclude:
        key = TABLE_EXCLUDE_LIST if value(TABLE_EXCLUDE_LIST) else TABLE_BLACKLIST
        results[key].add_error(f"{key} may not be set together with {TABLE_INCLUDE_LIST}")
    if value(QUERY) and (include or exclude):
        results[QUERY].add_error(f"{QUERY} copies one query: leave the table include and exclude lists empty")
