"""The connector's keys: Debezium's names and defaults where they apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectd.api import ConfigDef, ConfigError, ConfigType, Importance, Range, ValidString, non_empty_string
from connectd.plugins.postgres_cdc.values import TypeSettings

HOSTNAME = "database.hostname"
PORT = "database.port"
USER = "database.user"
PASSWORD = "database.password"
DBNAME = "database.dbname"
SSLMODE = "database.sslmode"
TOPIC_PREFIX = "topic.prefix"
TABLE_INCLUDE = "table.include.list"
TABLE_EXCLUDE = "table.exclude.list"
SLOT_NAME = "slot.name"
SLOT_DROP_ON_STOP = "slot.drop.on.stop"
PUBLICATION_NAME = "publication.name"
PUBLICATION_AUTOCREATE = "publication.autocreate.mode"
PLUGIN_NAME = "plugin.name"
SNAPSHOT_MODE = "snapshot.mode"
SNAPSHOT_FETCH_SIZE = "snapshot.fetch.size"
MAX_BATCH_SIZE = "max.batch.size"
POLL_INTERVAL_MS = "poll.interval.ms"
STATUS_INTERVAL_MS = "status.update.interval.ms"
TOMBSTONES_ON_DELETE = "tombstones.on.delete"
DECIMAL_MODE = "decimal.handling.mode"
TIME_PRECISION_MODE = "time.precision.mode"
BINARY_MODE = "binary.handling.mode"

SNAPSHOT_MODES = ("initial", "never", "no_data")


def _plugin_name(name: str, value: Any) -> None:
    if value != "pgoutput":
        raise ConfigError(
            name,
            value,
            "Only the pgoutput logical decoding plugin (built into PostgreSQL 10+) is supported; "
            "decoderbufs and wal2json are not",
        )


def _identifier(name: str, value: Any) -> None:
    # Slot names: lower-case letters, digits and underscores (PostgreSQL's rule for slots).
    text = str(value or "")
    if not text or not all(c.islower() or c.isdigit() or c == "_" for c in text) or len(text) > 63:
        raise ConfigError(name, value, "Must be 1 to 63 lower-case letters, digits or underscores")


def config_def() -> ConfigDef:
    group = "Postgres"
    return (
        ConfigDef()
        .define(
            HOSTNAME,
            ConfigType.STRING,
            validator=non_empty_string,
            importance=Importance.HIGH,
            documentation="Resolvable hostname or IP address of the PostgreSQL server",
            group=group,
        )
        .define(
            PORT,
            ConfigType.INT,
            5432,
            validator=Range.between(1, 65535),
            importance=Importance.HIGH,
            documentation="Port of the PostgreSQL server",
            group=group,
        )
        .define(
            USER,
            ConfigType.STRING,
            validator=non_empty_string,
            importance=Importance.HIGH,
            documentation="User to connect as: needs the REPLICATION attribute (or superuser), "
            "SELECT on the captured tables, and CREATE on the database to create the publication",
            group=group,
        )
        .define(
            PASSWORD,
            ConfigType.PASSWORD,
            None,
            importance=Importance.HIGH,
            documentation="Password of database.user",
            group=group,
        )
        .define(
            DBNAME,
            ConfigType.STRING,
            validator=non_empty_string,
            importance=Importance.HIGH,
            documentation="The database to capture changes from",
            group=group,
        )
        .define(
            SSLMODE,
            ConfigType.STRING,
            "prefer",
            validator=ValidString("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
            importance=Importance.MEDIUM,
            documentation="libpq's sslmode for both connections",
            group=group,
        )
        .define(
            TOPIC_PREFIX,
            ConfigType.STRING,
            validator=non_empty_string,
            importance=Importance.HIGH,
            documentation="Prefix of every topic name (<topic.prefix>.<schema>.<table>) and the "
            "source.name of every event",
            group=group,
        )
        .define(
            TABLE_INCLUDE,
            ConfigType.LIST,
            "",
            importance=Importance.HIGH,
            documentation="Regular expressions matching the schema.table names to capture; empty: "
            "every table",
            group=group,
        )
        .define(
            TABLE_EXCLUDE,
            ConfigType.LIST,
            "",
            importance=Importance.MEDIUM,
            documentation="Regular expressions matching schema.table names not to capture",
            group=group,
        )
        .define(
            PLUGIN_NAME,
            ConfigType.STRING,
            "pgoutput",
            validator=_plugin_name,
            importance=Importance.MEDIUM,
            documentation="Logical decoding plugin; only pgoutput",
            group=group,
        )
        .define(
            SLOT_NAME,
            ConfigType.STRING,
            "debezium",
            validator=_identifier,
            importance=Importance.MEDIUM,
            documentation="Logical replication slot to stream from (created if missing)",
            group=group,
        )
        .define(
            SLOT_DROP_ON_STOP,
            ConfigType.BOOLEAN,
            False,
            importance=Importance.LOW,
            documentation="Drop the slot when the task stops gracefully (for tests and trials: the "
            "next start cannot resume)",
            group=group,
        )
        .define(
            PUBLICATION_NAME,
            ConfigType.STRING,
            "dbz_publication",
            validator=non_empty_string,
            importance=Importance.MEDIUM,
            documentation="Publication the slot streams",
            group=group,
        )
        .define(
            PUBLICATION_AUTOCREATE,
            ConfigType.STRING,
            "all_tables",
            validator=ValidString("all_tables", "disabled", "filtered"),
            importance=Importance.LOW,
            documentation="Create a missing publication FOR ALL TABLES (all_tables), for the captured "
            "tables (filtered), or never (disabled)",
            group=group,
        )
        .define(
            SNAPSHOT_MODE,
            ConfigType.STRING,
            "initial",
            validator=ValidString(*SNAPSHOT_MODES),
            importance=Importance.MEDIUM,
            documentation="initial: read the captured tables once (op=r) when there is no offset, then "
            "stream; never (no_data): only stream",
            group=group,
        )
        .define(
            SNAPSHOT_FETCH_SIZE,
            ConfigType.INT,
            10240,
            validator=Range.at_least(1),
            importance=Importance.LOW,
            documentation="Rows read per snapshot query",
            group=group,
        )
        .define(
            MAX_BATCH_SIZE,
            ConfigType.INT,
            2048,
            validator=Range.at_least(1),
            importance=Importance.LOW,
            documentation="Most records returned by one poll",
            group=group,
        )
        .define(
            POLL_INTERVAL_MS,
            ConfigType.LONG,
            500,
            validator=Range.at_least(1),
            importance=Importance.LOW,
            documentation="Longest a poll waits for changes",
            group=group,
        )
        .define(
            STATUS_INTERVAL_MS,
            ConfigType.INT,
            10000,
            validator=Range.at_least(100),
            importance=Importance.LOW,
            documentation="How often the slot's confirmed position is reported to the server",
            group=group,
        )
        .define(
            TOMBSTONES_ON_DELETE,
            ConfigType.BOOLEAN,
            True,
            importance=Importance.MEDIUM,
            documentation="Follow each delete event with a tombstone (null value) for log compaction",
            group=group,
        )
        .define(
            DECIMAL_MODE,
            ConfigType.STRING,
            "precise",
            validator=ValidString("precise", "double", "string"),
            importance=Importance.MEDIUM,
            documentation="numeric as Connect Decimal (precise), float64 (double) or its text (string)",
            group=group,
        )
        .define(
            TIME_PRECISION_MODE,
            ConfigType.STRING,
            "adaptive",
            validator=ValidString("adaptive", "adaptive_time_microseconds", "connect"),
            importance=Importance.MEDIUM,
            documentation="Debezium's temporal types by column precision "
            "(adaptive), time always in microseconds (adaptive_time_microseconds), or Kafka Connect's "
            "Date/Time/Timestamp in milliseconds (connect)",
            group=group,
        )
        .define(
            BINARY_MODE,
            ConfigType.STRING,
            "bytes",
            validator=ValidString("bytes", "base64", "hex"),
            importance=Importance.LOW,
            documentation="bytea as bytes, base64 or hex text",
            group=group,
        )
    )


@dataclass(frozen=True, slots=True)
class CdcSettings:
    conninfo: dict[str, Any]
    dbname: str
    topic_prefix: str
    include: list[str]
    exclude: list[str]
    slot: str
    drop_slot_on_stop: bool
    publication: str
    publication_mode: str
    snapshot: bool
    fetch_size: int
    batch_size: int
    poll_interval_s: float
    status_interval_s: float
    tombstones: bool
    types: TypeSettings

    @classmethod
    def parse(cls, config: Mapping[str, str]) -> CdcSettings:
        p = config_def().parse(config)
        conninfo = {
            "host": p[HOSTNAME],
            "port": p[PORT],
            "user": p[USER],
            "dbname": p[DBNAME],
            "sslmode": p[SSLMODE],
            "application_name": f"connectd-cdc-{p[SLOT_NAME]}",
            # The text forms values.py parses: ISO dates, UTC offsets.
            "options": "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3",
        }
        if p[PASSWORD]:
            conninfo["password"] = str(p[PASSWORD])
        return cls(
            conninfo,
            p[DBNAME],
            p[TOPIC_PREFIX],
            p[TABLE_INCLUDE],
            p[TABLE_EXCLUDE],
            p[SLOT_NAME],
            p[SLOT_DROP_ON_STOP],
            p[PUBLICATION_NAME],
            p[PUBLICATION_AUTOCREATE],
            p[SNAPSHOT_MODE] == "initial",
            p[SNAPSHOT_FETCH_SIZE],
            p[MAX_BATCH_SIZE],
            p[POLL_INTERVAL_MS] / 1000,
            p[STATUS_INTERVAL_MS] / 1000,
            p[TOMBSTONES_ON_DELETE],
            TypeSettings(p[DECIMAL_MODE], p[TIME_PRECISION_MODE], p[BINARY_MODE]),
        )
