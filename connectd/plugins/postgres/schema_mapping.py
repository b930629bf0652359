"""Types both ways: PostgreSQL columns to Connect schemas and values (the source), Connect schemas and
values to PostgreSQL column types (the sink).

The source side follows Confluent's JDBC connector: int2 -> INT16, int4 -> INT32, int8 -> INT64,
float4 -> FLOAT32, float8 -> FLOAT64, bool -> BOOLEAN, text-like -> STRING, bytea -> BYTES,
numeric(p, s) -> Decimal(scale s) (``numeric.mapping=none``; ``precision_only`` and ``best_fit``
narrow it), date/time/timestamp(tz) -> Connect Date/Time/Timestamp. A NUMERIC without a declared
scale has no fixed Connect Decimal scale, so it travels as its exact text (STRING) unless
``best_fit_eager_double`` asks for FLOAT64. Types Connect has no schema for (uuid, json, arrays,
intervals, ...) travel as their text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from connectd.api import (
    DataError,
    Schema,
    SchemaType,
    date_schema,
    decimal_schema,
    time_schema,
    timestamp_schema,
)
from connectd.api.schema import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    DECIMAL_SCALE_PARAMETER,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Field,
)

# PostgreSQL's built-in type OIDs (pg_type.oid, stable across versions).
BOOL, BYTEA, CHAR, NAME, INT8, INT2, INT4, TEXT, OID = 16, 17, 18, 19, 20, 21, 23, 25, 26
FLOAT4, FLOAT8, BPCHAR, VARCHAR, DATE, TIME, TIMESTAMP = 700, 701, 1042, 1043, 1082, 1083, 1114
TIMESTAMPTZ, TIMETZ, NUMERIC = 1184, 1266, 1700

NUMERIC_MAPPINGS = ("none", "precision_only", "best_fit", "best_fit_eager_double")

_PRIMITIVES = {
    BOOL: SchemaType.BOOLEAN,
    BYTEA: SchemaType.BYTES,
    INT2: SchemaType.INT16,
    INT4: SchemaType.INT32,
    INT8: SchemaType.INT64,
    OID: SchemaType.INT64,
    FLOAT4: SchemaType.FLOAT32,
    FLOAT8: SchemaType.FLOAT64,
    CHAR: SchemaType.STRING,
    NAME: SchemaType.STRING,
    TEXT: SchemaType.STRING,
    BPCHAR: SchemaType.STRING,
    VARCHAR: SchemaType.STRING,
}


@dataclass(frozen=True, slots=True)
class SourceColumn:
    """What the source knows of one result column."""

    name: str
    type_oid: int
    nullable: bool = True
    precision: int | None = None
    scale: int | None = None


def _integral_for_precision(precision: int) -> SchemaType | None:
    for bound, type_ in ((3, SchemaType.INT8), (5, SchemaType.INT16), (10, SchemaType.INT32)):
        if precision < bound:
            return type_
    return SchemaType.INT64 if precision < 19 else None


def column_schema(column: SourceColumn, numeric_mapping: str = "none") -> Schema:
    """The Connect schema of one column (optional when the column may be NULL)."""
    optional = column.nullable
    primitive = _PRIMITIVES.get(column.type_oid)
    if primitive is not None:
        return Schema(primitive, optional=optional)
    if column.type_oid == NUMERIC:
        return _numeric_schema(column, numeric_mapping, optional)
    if column.type_oid == DATE:
        return date_schema(optional)
    if column.type_oid in (TIME, TIMETZ):
        return time_schema(optional)
    if column.type_oid in (TIMESTAMP, TIMESTAMPTZ):
        return timestamp_schema(optional)
    return Schema(SchemaType.STRING, optional=optional)


def _numeric_schema(column: SourceColumn, mapping: str, optional: bool) -> Schema:
    precision, scale = column.precision, column.scale
    if precision is None or scale is None:  # NUMERIC without (p, s): no fixed Decimal scale
        if mapping == "best_fit_eager_double":
            return Schema(SchemaType.FLOAT64, optional=optional)
        return Schema(SchemaType.STRING, optional=optional)
    if mapping != "none" and scale == 0:
        integral = _integral_for_precision(precision)
        if integral is not None:
            return Schema(integral, optional=optional)
    if (mapping == "best_fit" and scale > 0 and precision <= 15) or (
        mapping == "best_fit_eager_double" and scale > 0
    ):
        return Schema(SchemaType.FLOAT64, optional=optional)
    return decimal_schema(scale, optional)


def _decimal_converter(name: str, scale: int) -> Callable[[Any], Any]:
    exponent = Decimal(1).scaleb(-scale)

    def convert(value: Decimal) -> Decimal:
        try:
            exact = value.quantize(exponent)
        except InvalidOperation as exc:
            raise DataError(f"Column {name}: value {value} does not fit a Decimal of scale {scale}") from exc
        if exact != value:
            raise DataError(f"Column {name}: value {value} would lose digits at Decimal scale {scale}")
        return exact

    return convert


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    return str(value)


def _value_converter(column: SourceColumn, schema: Schema, zone: tzinfo) -> Callable[[Any], Any] | None:
    """A function from the driver's value to the Connect value, or None when they are the same."""
    if schema.name == DECIMAL_LOGICAL_NAME:
        return _decimal_converter(column.name, int(dict(schema.parameters)[DECIMAL_SCALE_PARAMETER]))
    if schema.name == TIMESTAMP_LOGICAL_NAME:
        # A timestamp without time zone is read in db.timezone; Connect's Timestamp is an instant.
        return lambda v: v.replace(tzinfo=zone) if v.tzinfo is None else v
    if schema.name == TIME_LOGICAL_NAME:
        return lambda v: v.replace(tzinfo=None)
    if schema.name == DATE_LOGICAL_NAME:
        return None
    match schema.type:
        case SchemaType.STRING:
            return None if column.type_oid in (TEXT, VARCHAR, BPCHAR, CHAR, NAME) else _text
        case SchemaType.FLOAT64 | SchemaType.FLOAT32:
            return float if column.type_oid == NUMERIC else None
        case SchemaType.INT8 | SchemaType.INT16 | SchemaType.INT32 | SchemaType.INT64:
            return int if column.type_oid == NUMERIC else None
        case SchemaType.BYTES:
            return bytes
    return None


@dataclass(frozen=True)
class RowMapping:
    """A result's columns as one Connect STRUCT schema, and how each row becomes its value."""

    schema: Schema
    names: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]

    def value(self, row: tuple[Any, ...]) -> dict[str, Any]:
        out = dict(zip(self.names, row, strict=True))
        for name, convert in zip(self.names, self.converters, strict=True):
            if convert is not None:
                raw = out[name]
                if raw is not None:
                    out[name] = convert(raw)
        return out


def row_mapping(
    schema_name: str | None,
    columns: Iterable[SourceColumn],
    numeric_mapping: str = "none",
    zone: tzinfo = UTC,
) -> RowMapping:
    fields: list[Field] = []
    converters: list[Callable[[Any], Any] | None] = []
    for column in columns:
        schema = column_schema(column, numeric_mapping)
        fields.append(Field(column.name, schema))
        converters.append(_value_converter(column, schema, zone))
    struct = Schema(SchemaType.STRUCT, name=schema_name, fields=tuple(fields))
    return RowMapping(struct, tuple(f.name for f in fields), tuple(converters))


# --- the sink side ------------------------------------------------------------------------------

_SQL_TYPES = {
    SchemaType.INT8: "SMALLINT",  # PostgreSQL has no one-byte integer
    SchemaType.INT16: "SMALLINT",
    SchemaType.INT32: "INTEGER",
    SchemaType.INT64: "BIGINT",
    SchemaType.FLOAT32: "REAL",
    SchemaType.FLOAT64: "DOUBLE PRECISION",
    SchemaType.BOOLEAN: "BOOLEAN",
    SchemaType.STRING: "TEXT",
    SchemaType.BYTES: "BYTEA",
}
_LOGICAL_SQL_TYPES = {
    DECIMAL_LOGICAL_NAME: "NUMERIC",
    DATE_LOGICAL_NAME: "DATE",
    TIME_LOGICAL_NAME: "TIME",
    TIMESTAMP_LOGICAL_NAME: "TIMESTAMP",
}


def sql_type(field_name: str, schema: Schema) -> str:
    """The column type the sink creates for a field, as Confluent's PostgreSQL dialect does."""
    if schema.name in _LOGICAL_SQL_TYPES:
        return _LOGICAL_SQL_TYPES[str(schema.name)]
    if schema.type in _SQL_TYPES:
        return _SQL_TYPES[schema.type]
    if schema.type in (SchemaType.ARRAY, SchemaType.MAP, SchemaType.STRUCT):
        return "JSONB"  # nested values are kept whole, as JSON
    raise DataError(f"Field {field_name}: schema type {schema.type} has no PostgreSQL column type")


def inferred_schema(value: Any) -> Schema:
    """The schema of a schemaless value (a JSON map without schema): typed by its Python class."""
    if isinstance(value, bool):
        return Schema(SchemaType.BOOLEAN, optional=True)
    if isinstance(value, int):
        return Schema(SchemaType.INT64, optional=True)
    if isinstance(value, float):
        return Schema(SchemaType.FLOAT64, optional=True)
    if isinstance(value, Decimal):
        return Schema(SchemaType.BYTES, optional=True, name=DECIMAL_LOGICAL_NAME)
    if isinstance(value, bytes | bytearray):
        return Schema(SchemaType.BYTES, optional=True)
    if isinstance(value, datetime):
        return timestamp_schema(True)
    if isinstance(value, date):
        return date_schema(True)
    if isinstance(value, time):
        return time_schema(True)
    if isinstance(value, dict):
        return Schema(SchemaType.MAP, optional=True)
    if isinstance(value, list | tuple):
        return Schema(SchemaType.ARRAY, optional=True)
    return Schema(SchemaType.STRING, optional=True)


def is_nested(schema: Schema) -> bool:
    return schema.type in (SchemaType.ARRAY, SchemaType.MAP, SchemaType.STRUCT)


def json_param(value: Any) -> Any:
    """A nested value as a JSONB parameter."""
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value, dumps=lambda v: json.dumps(v, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return str(value)


def fields_of(schema: Schema | None, value: Mapping[str, Any] | None) -> list[Field]:
    """A record value's fields: its STRUCT schema's, or inferred from a schemaless map's entries."""
    if schema is not None:
        if schema.type is not SchemaType.STRUCT:
            raise DataError(f"A record value must be a STRUCT (or a map) to become a row, not {schema.type}")
        return list(schema.fields)
    if not isinstance(value, Mapping):
        raise DataError(
            f"A schemaless record value must be a map to become a row, not {type(value).__name__}"
        )
    return [Field(str(k), inferred_schema(v)) for k, v in value.items()]
