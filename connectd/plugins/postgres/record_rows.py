"""Sink records to table rows: which columns a record fills (its primary key by ``pk.mode``, then the
value's fields) and the parameters of each row. Pure: no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectd.api import DataError, Schema, SchemaType, SinkRecord
from connectd.api.schema import Field
from connectd.plugins.postgres.schema_mapping import fields_of, inferred_schema, is_nested, json_param
from connectd.plugins.postgres.sink_config import (
    KAFKA_PK_DEFAULTS,
    PK_KAFKA,
    PK_NONE,
    PK_RECORD_KEY,
    PK_RECORD_VALUE,
    RECORD_KEY_DEFAULT,
)

_KAFKA_SCHEMAS = (
    Schema(SchemaType.STRING),
    Schema(SchemaType.INT32),
    Schema(SchemaType.INT64),
)


@dataclass(frozen=True)
class Layout:
    """The columns a run of records writes: the primary key's first, then the value's."""

    key: tuple[Field, ...]
    value: tuple[Field, ...]

    @property
    def columns(self) -> tuple[Field, ...]:
        return self.key + self.value

    @property
    def key_names(self) -> list[str]:
        return [f.name for f in self.key]

    @property
    def value_names(self) -> list[str]:
        return [f.name for f in self.value]


def _key_fields(record: SinkRecord) -> list[Field] | None:
    """The key's fields when it is a struct (or a map), None when it is a primitive."""
    if record.key_schema is not None:
        return list(record.key_schema.fields) if record.key_schema.type is SchemaType.STRUCT else None
    if isinstance(record.key, Mapping):
        return [Field(str(k), inferred_schema(v)) for k, v in record.key.items()]
    return None


def layout_of(record: SinkRecord, pk_mode: str, pk_fields: Sequence[str], whitelist: Sequence[str]) -> Layout:
    """The columns of ``record`` (a tombstone has key columns only)."""
    value_fields = [] if record.value is None else fields_of(record.value_schema, record.value)
    if whitelist:
        value_fields = [f for f in value_fields if f.name in whitelist]
    key: list[Field] = []
    if pk_mode == PK_KAFKA:
        names = list(pk_fields) or list(KAFKA_PK_DEFAULTS)
        key = [Field(n, s) for n, s in zip(names, _KAFKA_SCHEMAS, strict=True)]
    elif pk_mode == PK_RECORD_KEY:
        if record.key is None:
            raise DataError(
                f"pk.mode=record_key but the record at {record.topic}-{record.partition}@{record.offset} "
                "has no key"
            )
        struct_fields = _key_fields(record)
        if struct_fields is None:
            name = pk_fields[0] if pk_fields else RECORD_KEY_DEFAULT
            schema = record.key_schema or inferred_schema(record.key)
            key = [Field(name, Schema(schema.type, name=schema.name, parameters=schema.parameters))]
        else:
            key = [f for f in struct_fields if not pk_fields or f.name in pk_fields]
            _check_named(pk_fields, key, "key", record)
    elif pk_mode == PK_RECORD_VALUE:
        if record.value is None:
            raise DataError(
                f"pk.mode=record_value but the record at {record.topic}-{record.partition}@"
                f"{record.offset} has no value"
            )
        all_value = fields_of(record.value_schema, record.value)
        key = [f for f in all_value if not pk_fields or f.name in pk_fields]
        _check_named(pk_fields, key, "value", record)
    elif pk_mode != PK_NONE:
        raise DataError(f"Unknown pk.mode {pk_mode}")
    key_names = {f.name for f in key}
    return Layout(tuple(key), tuple(f for f in value_fields if f.name not in key_names))


def _check_named(pk_fields: Sequence[str], found: list[Field], where: str, record: SinkRecord) -> None:
    missing = [n for n in pk_fields if n not in {f.name for f in found}]
    if missing:
        raise DataError(
            f"pk.fields {missing} are not fields of the record {where} at {record.topic}-{record.partition}"
            f"@{record.offset}"
        )


def _param(value: Any, schema: Schema) -> Any:
    if value is not None and is_nested(schema):
        return json_param(value)
    return value


def key_params(record: SinkRecord, layout: Layout, pk_mode: str) -> list[Any]:
    if pk_mode == PK_KAFKA:
        return [record.topic, record.partition, record.offset]
    if pk_mode == PK_RECORD_KEY:
        if isinstance(record.key, Mapping):
            return [_param(record.key.get(f.name), f.schema) for f in layout.key]
        return [record.key]
    if pk_mode == PK_RECORD_VALUE:
        value = record.value
        assert isinstance(value, Mapping)
        return [_param(value.get(f.name), f.schema) for f in layout.key]
    return []


def value_params(record: SinkRecord, layout: Layout) -> list[Any]:
    value = record.value
    if not isinstance(value, Mapping):
        raise DataError(
            f"The record value at {record.topic}-{record.partition}@{record.offset} is not a struct or map"
        )
    return [_param(value.get(f.name), f.schema) for f in layout.value]
