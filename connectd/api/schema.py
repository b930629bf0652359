"""Connect's data schemas, reduced to what converters and connectors exchange.

A value travels with an optional :class:`Schema`. ``STRUCT`` values are plain ``dict`` objects whose
keys are the schema's field names; ``BYTES`` values are ``bytes``.

Kafka's logical types are schemas with a well-known ``name`` over a primitive type, with Python
values: Decimal (BYTES, parameter ``scale``) holds :class:`decimal.Decimal`; Date (INT32, days since
the epoch) holds :class:`datetime.date`; Time (INT32, milliseconds since midnight) holds
:class:`datetime.time`; Timestamp (INT64, milliseconds since the epoch) holds a UTC
:class:`datetime.datetime`. Converters turn them into their primitive form and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SchemaType(StrEnum):
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    schema: Schema


@dataclass(frozen=True, slots=True)
class Schema:
    type: SchemaType
    optional: bool = False
    name: str | None = None
    version: int | None = None
    doc: str | None = None
    default: Any = None
    parameters: tuple[tuple[str, str], ...] = ()
    fields: tuple[Field, ...] = ()
    key_schema: Schema | None = None
    value_schema: Schema | None = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _primitive(type_: SchemaType, optional: bool) -> Schema:
    return Schema(type=type_, optional=optional)


STRING_SCHEMA = _primitive(SchemaType.STRING, False)
OPTIONAL_STRING_SCHEMA = _primitive(SchemaType.STRING, True)
BYTES_SCHEMA = _primitive(SchemaType.BYTES, False)
OPTIONAL_BYTES_SCHEMA = _primitive(SchemaType.BYTES, True)
INT32_SCHEMA = _primitive(SchemaType.INT32, False)
INT64_SCHEMA = _primitive(SchemaType.INT64, False)
OPTIONAL_INT64_SCHEMA = _primitive(SchemaType.INT64, True)
FLOAT64_SCHEMA = _primitive(SchemaType.FLOAT64, False)
BOOLEAN_SCHEMA = _primitive(SchemaType.BOOLEAN, False)


@dataclass(frozen=True, slots=True)
class SchemaAndValue:
    schema: Schema | None
    value: Any


NULL_SCHEMA_AND_VALUE = SchemaAndValue(None, None)


DECIMAL_LOGICAL_NAME = "org.apache.kafka.connect.data.Decimal"
DECIMAL_SCALE_PARAMETER = "scale"
DATE_LOGICAL_NAME = "org.apache.kafka.connect.data.Date"
TIME_LOGICAL_NAME = "org.apache.kafka.connect.data.Time"
TIMESTAMP_LOGICAL_NAME = "org.apache.kafka.connect.data.Timestamp"


def decimal_schema(scale: int, optional: bool = False) -> Schema:
    return Schema(
        SchemaType.BYTES,
        optional=optional,
        name=DECIMAL_LOGICAL_NAME,
        version=1,
        parameters=((DECIMAL_SCALE_PARAMETER, str(scale)),),
    )


def date_schema(optional: bool = False) -> Schema:
    return Schema(SchemaType.INT32, optional=optional, name=DATE_LOGICAL_NAME, version=1)


def time_schema(optional: bool = False) -> Schema:
    return Schema(SchemaType.INT32, optional=optional, name=TIME_LOGICAL_NAME, version=1)


def timestamp_schema(optional: bool = False) -> Schema:
    return Schema(SchemaType.INT64, optional=optional, name=TIMESTAMP_LOGICAL_NAME, version=1)


def struct_schema(name: str | None, *fields: tuple[str, Schema], optional: bool = False) -> Schema:
    """Build a STRUCT schema from ``(field name, schema)`` pairs."""
    return Schema(
        type=SchemaType.STRUCT,
        optional=optional,
        name=name,
        fields=tuple(Field(n, s) for n, s in fields),
    )


__all__ = [
    "BOOLEAN_SCHEMA",
    "BYTES_SCHEMA",
    "DATE_LOGICAL_NAME",
    "DECIMAL_LOGICAL_NAME",
    "DECIMAL_SCALE_PARAMETER",
    "FLOAT64_SCHEMA",
    "INT32_SCHEMA",
    "INT64_SCHEMA",
    "NULL_SCHEMA_AND_VALUE",
    "OPTIONAL_BYTES_SCHEMA",
    "OPTIONAL_INT64_SCHEMA",
    "OPTIONAL_STRING_SCHEMA",
    "STRING_SCHEMA",
    "TIMESTAMP_LOGICAL_NAME",
    "TIME_LOGICAL_NAME",
    "Field",
    "Schema",
    "SchemaAndValue",
    "SchemaType",
    "date_schema",
    "decimal_schema",
    "struct_schema",
    "time_schema",
    "timestamp_schema",
]
