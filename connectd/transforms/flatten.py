"""Flatten: lift nested fields to the top level, joining names with a delimiter (Kafka's
``Flatten$Key/$Value``).

Without a schema nested maps are flattened (``{"a": {"b": 1}}`` becomes ``{"a.b": 1}``); with one,
nested structs are, and a MAP field is refused as Kafka refuses it. Arrays and everything in them
are kept as they are. A null key/value passes through untouched.

With a schema, a flattened field is optional when it or any struct above it is optional, and its
default is its own, else the value the nearest struct default above it holds for it. A null field
reads as its default (Kafka's ``Struct.get``). The flattened schema keeps the top-level schema's
name, version, doc and parameters and is cached per input schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import DataError
from connectd.api.schema import Field, Schema, SchemaType
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import (
    SchemaCache,
    copy_schema_basics,
    duplicate_field,
    require_map,
    require_struct,
)
from connectd.transforms.hoist_field import null_for_required
from connectd.transforms.sides import KeySide, ValueSide

DELIMITER = "delimiter"
PURPOSE = "flattening"

# Kept as they are: Kafka flattens only structs (and, without a schema, maps).
_KEPT_TYPES = frozenset(SchemaType) - {SchemaType.STRUCT, SchemaType.MAP}
_PLAIN_VALUES = (bool, int, float, str, bytes, bytearray, list, tuple)


class Flatten(SidedTransformation):
    """Flatten a nested data structure, generating names for each field by concatenating the field
    names at each level with a configurable delimiter character. Applies to Struct when schema
    present, or a Map in the case of schemaless data. Array fields and their contents are not
    modified. The default delimiter is '.'."""

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef().define(
            DELIMITER,
            ConfigType.STRING,
            ".",
            importance=Importance.MEDIUM,
            documentation="Delimiter to insert between field names from the input record when generating "
            "field names for the output record",
        )

    def configure(self, config: Mapping[str, str]) -> None:
        self._delimiter: str = self.config_def().parse(config)[DELIMITER]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        schema = self.side.schema(record)
        value = self.side.value(record)
        if value is None:
            return record
        if schema is None:
            flat: dict[str, Any] = {}
            self._flatten_map(require_map(value, PURPOSE), "", flat)
            return self.side.replace(record, None, flat)
        struct = require_struct(value, schema, PURPOSE)
        updated = self._cache.get(schema, self._flat_schema)
        flat = {}
        self._flatten_struct(struct, schema, "", schema.optional, flat)
        return self.side.replace(record, updated, flat)

    def _name(self, prefix: str, name: object) -> str:
        return f"{prefix}{self._delimiter}{name}" if prefix else str(name)

    def _flatten_map(self, value: Mapping[Any, Any], prefix: str, out: dict[str, Any]) -> None:
        for key, item in value.items():
            name = self._name(prefix, key)
            if isinstance(item, Mapping):
                self._flatten_map(item, name, out)
            elif item is None or isinstance(item, _PLAIN_VALUES):
                out[name] = item
            else:
                raise DataError(
                    f"Flatten transformation was passed a value of type class {type(item).__name__} "
                    "which is not supported by Connect's data API"
                )

    def _flat_schema(self, schema: Schema) -> Schema:
        fields: list[Field] = []
        self._flatten_fields(schema, "", schema.optional, schema.default, fields)
        seen: set[str] = set()
        for field in fields:
            if field.name in seen:
                raise duplicate_field(field.name)  # as Kafka's SchemaBuilder refuses it
            seen.add(field.name)
        return copy_schema_basics(schema, fields)

    def _flatten_fields(
        self, schema: Schema, prefix: str, optional: bool, parent_default: Any, out: list[Field]
    ) -> None:
        for field in schema.fields:
            name = self._name(prefix, field.name)
            field_optional = optional or field.schema.optional
            default = field.schema.default
            if default is None and isinstance(parent_default, Mapping):
                default = parent_default.get(field.name)
            if field.schema.type is SchemaType.STRUCT:
                self._flatten_fields(field.schema, name, field_optional, default, out)
            elif field.schema.type in _KEPT_TYPES:
                # Kafka's copySchemaBasics: type, name, version, doc, parameters (and an array's
                # element schema); optionality and default as worked out above.
                flat = Schema(
                    field.schema.type,
                    optional=field_optional,
                    name=field.schema.name,
                    version=field.schema.version,
                    doc=field.schema.doc,
                    default=default,
                    parameters=field.schema.parameters,
                    value_schema=field.schema.value_schema if field.schema.type is SchemaType.ARRAY else None,
                )
                out.append(Field(name, flat))
            else:
                raise self._unsupported(field.schema, name)

    def _flatten_struct(
        self,
        value: Mapping[str, Any] | None,
        schema: Schema,
        prefix: str,
        optional: bool,
        out: dict[str, Any],
    ) -> None:
        """Kafka's buildWithSchema; a null struct leaves its flattened fields null (not defaulted)."""
        for field in schema.fields:
            name = self._name(prefix, field.name)
            item = None if value is None else value.get(field.name)
            if item is None and value is not None:
                item = field.schema.default  # Kafka's Struct.get
            field_optional = optional or field.schema.optional
            if field.schema.type is SchemaType.STRUCT:
                self._flatten_struct(item, field.schema, name, field_optional, out)
            elif field.schema.type not in _KEPT_TYPES:
                raise self._unsupported(field.schema, name)
            elif item is None and value is not None and not field_optional:
                raise null_for_required(name, field.schema)
            else:
                out[name] = item

    @staticmethod
    def _unsupported(schema: Schema, name: str) -> DataError:
        kind = schema.type.name
        return DataError(
            f"Flatten transformation does not support {kind} for record with schemas (for field {name})."
        )


class FlattenKey(KeySide, Flatten):
    """Flattens the record key."""

    aliases = ("org.apache.kafka.connect.transforms.Flatten$Key",)


class FlattenValue(ValueSide, Flatten):
    """Flattens the record value."""

    aliases = ("org.apache.kafka.connect.transforms.Flatten$Value",)
