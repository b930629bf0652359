"""Debezium's change-event envelope for one table: key and value schemas, and the records of a change.

Pure: a table's description and row values in, :class:`SourceRecord` objects out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectd.api import Field, Schema, SchemaType, SourceRecord, struct_schema
from connectd.plugins.postgres_cdc.pgoutput import UNCHANGED_TOAST, TupleValue
from connectd.plugins.postgres_cdc.values import UNAVAILABLE, ColumnType, TypeSettings, column_type

CONNECTOR_NAME = "postgresql"
SOURCE_SCHEMA_NAME = "io.debezium.connector.postgresql.Source"
_OPT_STRING = Schema(SchemaType.STRING, optional=True)
_OPT_INT64 = Schema(SchemaType.INT64, optional=True)
_STRING = Schema(SchemaType.STRING)
_INT64 = Schema(SchemaType.INT64)

SOURCE_SCHEMA = struct_schema(
    SOURCE_SCHEMA_NAME,
    ("version", _STRING),
    ("connector", _STRING),
    ("name", _STRING),
    ("ts_ms", _INT64),
    (
        "snapshot",
        Schema(
            SchemaType.STRING,
            optional=True,
            name="io.debezium.data.Enum",
            version=1,
            default="false",
            parameters=(("allowed", "true,last,false,incremental"),),
        ),
    ),
    ("db", _STRING),
    ("sequence", _OPT_STRING),
    ("ts_us", _OPT_INT64),
    ("ts_ns", _OPT_INT64),
    ("schema", _STRING),
    ("table", _STRING),
    ("txId", _OPT_INT64),
    ("lsn", _OPT_INT64),
    ("xmin", _OPT_INT64),
)
TRANSACTION_SCHEMA = struct_schema(
    "event.block",
    ("id", _STRING),
    ("total_order", _INT64),
    ("data_collection_order", _INT64),
    optional=True,
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type_oid: int
    type_modifier: int
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class TableInfo:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a change sits in the stream (None fields during the snapshot)."""

    commit_ts_ms: int
    txid: int | None = None
    lsn: int | None = None
    last_commit_lsn: int | None = None
    snapshot: str = "false"  # "true" | "last" | "false"


@dataclass
class TableEvents:
    """The schemas of one table's events and the records of its changes."""

    table: TableInfo
    prefix: str
    database: str
    settings: TypeSettings = field(default_factory=TypeSettings)
    version: str = "undefined"

    def __post_init__(self) -> None:
        keys = set(self.table.primary_key)
        self.topic = f"{self.prefix}.{self.table.schema}.{self.table.name}"
        self._types: list[ColumnType] = [
            # Key columns are required; the rest may be missing from an old tuple, so are optional.
            column_type(c.type_oid, c.type_modifier, c.name not in keys or c.nullable, self.settings)
            for c in self.table.columns
        ]
        self._names = [c.name for c in self.table.columns]
        self.value_schema = Schema(
            SchemaType.STRUCT,
            optional=True,
            name=f"{self.topic}.Value",
            fields=tuple(Field(n, t.schema) for n, t in zip(self._names, self._types, strict=True)),
        )
        by_name = dict(zip(self._names, self._types, strict=True))
        self._key_names = list(self.table.primary_key)
        self.key_schema: Schema | None = (
            Schema(
                SchemaType.STRUCT,
                name=f"{self.topic}.Key",
                fields=tuple(Field(n, by_name[n].schema) for n in self._key_names),
            )
            if self._key_names
            else None
        )
        self.envelope_schema = struct_schema(
            f"{self.topic}.Envelope",
            ("before", self.value_schema),
            ("after", self.value_schema),
            ("source", SOURCE_SCHEMA),
            ("transaction", TRANSACTION_SCHEMA),
            ("op", _STRING),
            ("ts_ms", _OPT_INT64),
            ("ts_us", _OPT_INT64),
            ("ts_ns", _OPT_INT64),
        )

    def row(self, values: Sequence[TupleValue]) -> dict[str, Any]:
        """A ``Value`` struct from the columns' text forms (None, or an unchanged TOAST marker)."""
        if len(values) != len(self._types):
            raise ValueError(
                f"{self.table.qualified}: expected {len(self._types)} columns, the change has {len(values)}"
            )
        row: dict[str, Any] = {}
        for name, type_, text in zip(self._names, self._types, values, strict=True):
            if text is None:
                row[name] = None
            elif text is UNCHANGED_TOAST:
                row[name] = UNAVAILABLE if type_.schema.type is SchemaType.STRING else None
            elif isinstance(text, bytes):
                row[name] = type_.convert(text.decode())
            else:
                row[name] = type_.convert(text)  # type: ignore[arg-type]
        return row

    def key(self, row: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if row is None or not self._key_names:
            return None
        return {name: row.get(name) for name in self._key_names}

    def _source(self, position: Position) -> dict[str, Any]:
        sequence = None
        if position.lsn is not None:
            last = position.last_commit_lsn
            sequence = f'["{last if last is not None else "null"}","{position.lsn}"]'.replace(
                '"null"', "null"
            )
        return {
            "version": self.version,
            "connector": CONNECTOR_NAME,
            "name": self.prefix,
            "ts_ms": position.commit_ts_ms,
            "snapshot": position.snapshot,
            "db": self.database,
            "sequence": sequence,
            "ts_us": position.commit_ts_ms * 1000,
            "ts_ns": position.commit_ts_ms * 1_000_000,
            "schema": self.table.schema,
            "table": self.table.name,
            "txId": position.txid,
            "lsn": position.lsn,
            "xmin": None,
        }

    def change(
        self,
        op: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        position: Position,
        partition: Mapping[str, Any],
        offset: Mapping[str, Any],
    ) -> SourceRecord:
        """One change event; ``op`` is ``r`` (snapshot read), ``c``, ``u`` or ``d``."""
        now_us = time.time_ns() // 1000
        value = {
            "before": before,
            "after": after,
            "source": self._source(position),
            "transaction": None,
            "op": op,
            "ts_ms": now_us // 1000,
            "ts_us": now_us,
            "ts_ns": now_us * 1000,
        }
        return SourceRecord(
            self.topic,
            value,
            self.key(after if after is not None else before),
            partition,
            offset,
            None,
            self.key_schema,
            self.envelope_schema,
        )

    def tombstone(
        self, key: dict[str, Any] | None, partition: Mapping[str, Any], offset: Mapping[str, Any]
    ) -> SourceRecord:
        """The null value Debezium sends after a delete, so log compaction can drop the key."""
        return SourceRecord(self.topic, None, key, partition, offset, None, self.key_schema, None)
