"""The sink connector's keys (Confluent's JDBC sink names, defaults and meanings) and the checks that
span several keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectd.api import ConfigDef, ConfigType, ConfigValue, Importance, Range, ValidString
from connectd.plugins.postgres.connection import define_connection
from connectd.plugins.postgres.source_config import DB_TIMEZONE, check_time_zone

INSERT_MODE = "insert.mode"
BATCH_SIZE = "batch.size"
DELETE_ENABLED = "delete.enabled"
TABLE_NAME_FORMAT = "table.name.format"
PK_MODE = "pk.mode"
PK_FIELDS = "pk.fields"
FIELDS_WHITELIST = "fields.whitelist"
AUTO_CREATE = "auto.create"
AUTO_EVOLVE = "auto.evolve"
MAX_RETRIES = "max.retries"
RETRY_BACKOFF_MS = "retry.backoff.ms"

INSERT, UPSERT, UPDATE = "insert", "upsert", "update"
PK_NONE, PK_KAFKA, PK_RECORD_KEY, PK_RECORD_VALUE = "none", "kafka", "record_key", "record_value"
KAFKA_PK_DEFAULTS = ("__connect_topic", "__connect_partition", "__connect_offset")
RECORD_KEY_DEFAULT = "__connect_key"

_CONNECTION, _WRITES, _DATA, _DDL, _RETRIES = "Connection", "Writes", "Data Mapping", "DDL Support", "Retries"


def sink_config_def() -> ConfigDef:
    d = define_connection(ConfigDef(), _CONNECTION)
    d.define(
        DB_TIMEZONE,
        ConfigType.STRING,
        "UTC",
        importance=Importance.MEDIUM,
        group=_CONNECTION,
        order_in_group=6,
        validator=check_time_zone,
        documentation="Time zone of the session: Connect Timestamps are written to TIMESTAMP columns as "
        "times in it.",
    )
    d.define(
        INSERT_MODE,
        ConfigType.STRING,
        INSERT,
        importance=Importance.HIGH,
        group=_WRITES,
        order_in_group=1,
        validator=ValidString(INSERT, UPSERT, UPDATE),
        documentation="insert: plain INSERT; upsert: INSERT ... ON CONFLICT (primary key) DO UPDATE, so a "
        "redelivered record rewrites its row; update: UPDATE of the row with the record's primary key.",
    )
    d.define(
        BATCH_SIZE,
        ConfigType.INT,
        3000,
        importance=Importance.MEDIUM,
        group=_WRITES,
        order_in_group=2,
        validator=Range.at_least(1),
        documentation="Most rows sent in one batch of statements; every put() is still one transaction.",
    )
    d.define(
        DELETE_ENABLED,
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        group=_WRITES,
        order_in_group=3,
        documentation="A tombstone (a record with a null value) deletes the row of its key. Needs "
        "pk.mode=record_key. When false, tombstones are skipped.",
    )
    d.define(
        TABLE_NAME_FORMAT,
        ConfigType.STRING,
        "${topic}",
        importance=Importance.MEDIUM,
        group=_DATA,
        order_in_group=1,
        documentation="The table a topic's records go to; ${topic} is replaced by the topic. 'schema.table' "
        "names a table outside the search path.",
    )
    d.define(
        PK_MODE,
        ConfigType.STRING,
        PK_NONE,
        importance=Importance.HIGH,
        group=_DATA,
        order_in_group=2,
        validator=ValidString(PK_NONE, PK_KAFKA, PK_RECORD_KEY, PK_RECORD_VALUE),
        documentation="Where the primary key comes from: none; kafka (topic, partition, offset columns); "
        "record_key (the key: a primitive in one column, or the fields of a struct); record_value (fields "
        "of the value).",
    )
    d.define(
        PK_FIELDS,
        ConfigType.LIST,
        [],
        importance=Importance.MEDIUM,
        group=_DATA,
        order_in_group=3,
        documentation="Primary key columns. kafka: three names for topic, partition, offset (default "
        "__connect_topic,__connect_partition,__connect_offset); record_key: the column of a primitive key "
        "(default __connect_key) or the key struct's fields (default all); record_value: the value's fields "
        "(default all).",
    )
    d.define(
        FIELDS_WHITELIST,
        ConfigType.LIST,
        [],
        importance=Importance.MEDIUM,
        group=_DATA,
        order_in_group=4,
        documentation="Value fields to write (empty: all of them). Primary key fields are always written.",
    )
    d.define(
        AUTO_CREATE,
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        group=_DDL,
        order_in_group=1,
        documentation="CREATE TABLE a missing table from the first record's schema (and primary key).",
    )
    d.define(
        AUTO_EVOLVE,
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        group=_DDL,
        order_in_group=2,
        documentation="ALTER TABLE ... ADD COLUMN (nullable) for a record field the table lacks.",
    )
    d.define(
        MAX_RETRIES,
        ConfigType.INT,
        10,
        importance=Importance.MEDIUM,
        group=_RETRIES,
        order_in_group=1,
        validator=Range.at_least(0),
        documentation="How many times a put() is retried after the database connection failed.",
    )
    d.define(
        RETRY_BACKOFF_MS,
        ConfigType.INT,
        3000,
        importance=Importance.MEDIUM,
        group=_RETRIES,
        order_in_group=2,
        validator=Range.at_least(0),
        documentation="Milliseconds to wait before retrying a put().",
    )
    return d


def cross_check(config: Mapping[str, Any], results: dict[str, ConfigValue]) -> None:
    """Checks across keys, each error on the key to change."""

    def value(name: str) -> Any:
        return results[name].value

    pk_mode, insert_mode = value(PK_MODE), value(INSERT_MODE)
    if value(DELETE_ENABLED) and pk_mode != PK_RECORD_KEY:
        results[DELETE_ENABLED].add_error(
            f"{DELETE_ENABLED}=true needs {PK_MODE}={PK_RECORD_KEY}, not {pk_mode}"
        )
    if insert_mode in (UPSERT, UPDATE) and pk_mode == PK_NONE:
        results[PK_MODE].add_error(
            f"{INSERT_MODE}={insert_mode} needs a primary key: {PK_MODE} may not be none"
        )
    fields = value(PK_FIELDS) or []
    if pk_mode == PK_KAFKA and fields and len(fields) != 3:
        results[PK_FIELDS].add_error(
            f"With {PK_MODE}={PK_KAFKA}, {PK_FIELDS} names three columns (topic, partition, offset), "
            f"not {len(fields)}"
        )
    if pk_mode == PK_NONE and fields:
        results[PK_FIELDS].add_error(f"{PK_FIELDS} has no use with {PK_MODE}={PK_NONE}")
    table_format = value(TABLE_NAME_FORMAT)
    if table_format is not None and not str(table_format).strip():
        results[TABLE_NAME_FORMAT].add_error(f"{TABLE_NAME_FORMAT} may not be empty")
