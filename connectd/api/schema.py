"""Connect's data schemas, reduced to what converters and connectors exchange.

A value travels with an optional :class:`Schema`. ``STRUCT`` values are plain ``dict`` objects whose
keys are the schema's field names; ``BYTES`` values are ``bytes``.
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
    "FLOAT64_SCHEMA",
    "INT32_SCHEMA",
    "INT64_SCHEMA",
    "NULL_SCHEMA_AND_VALUE",
    "OPTIONAL_BYTES_SCHEMA",
    "OPTIONAL_INT64_SCHEMA",
    "OPTIONAL_STRING_SCHEMA",
    "STRING_SCHEMA",
    "Field",
    "Schema",
    "SchemaAndValue",
    "SchemaType",
    "struct_schema",
]
