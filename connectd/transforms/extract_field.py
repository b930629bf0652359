"""ExtractField: replace the key or value with one of its fields (Kafka's ``ExtractField$Key/$Value``).

With a schema the struct field's own schema becomes the record's; without, the map entry's value
is taken and the schema stays null. A null key/value passes through as null, and a missing field
reads as null without a schema but fails with one (there would be no schema to give it).
``field.syntax.version=V2`` reads nested fields, as Kafka does (KIP-821).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import DataError
from connectd.api.schema import Field, Schema
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    define_field_syntax,
    define_replace_null_with_default,
    require_map,
    require_struct,
    syntax_version,
)
from connectd.transforms.sides import KeySide, ValueSide

FIELD = "field"
PURPOSE = "field extraction"


class ExtractField(SidedTransformation):
    """The shared half of ``$Key`` and ``$Value``: ``side`` picks which part of the record."""

    fresh_records = True

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = ConfigDef().define(
            FIELD,
            ConfigType.STRING,
            importance=Importance.MEDIUM,
            documentation="Name (with V2, path) of the field to extract.",
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        self._original: str = parsed[FIELD]
        self._path = FieldPath.parse(self._original, syntax_version(parsed), FIELD)
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._last_schema: Schema | None = None
        self._last_field: Field | None = None

    def apply(self, record: R) -> R:
        schema = self.side.schema(record)
        value = self.side.value(record)
        if schema is not None and schema is self._last_schema and isinstance(value, dict):
            # The common case: the same struct schema as the last record, a field at the root.
            field = self._last_field
            extracted = value.get(field.name)
            if extracted is None and self._with_default:
                extracted = field.schema.default
            return self.side.replace(record, field.schema, extracted)
        if schema is None:
            if value is None:
                return self.side.replace(record, None, None)
            return self.side.replace(record, None, self._path.value_from_map(require_map(value, PURPOSE)))
        if value is not None:
            require_struct(value, schema, PURPOSE)
        field = self._path.field_from(schema)
        if field is None:
            # Kafka raises IllegalArgumentException here; DataError is the record-level error in Python.
            raise DataError(f"Unknown field: {self._original}")
        extracted = None if value is None else self._path.value_from_struct(value, schema, self._with_default)
        if len(self._path.steps) == 1:
            self._last_schema, self._last_field = schema, field
        return self.side.replace(record, field.schema, extracted)

    def apply_batch(self, records: list[R], owned: bool = False) -> list[R | None]:
        side = self.side
        # The batch form of apply's common case: a root field of a known struct schema.
        field = self._last_field
        values = side.struct_values(records, self._last_schema)
        if field is None or values is None:
            return list(map(self.apply, records))
        extracted = list(map(dict.get, values, repeat(field.name)))
        default = field.schema.default
        if default is not None and self._with_default:
            extracted = [default if v is None else v for v in extracted]
        return side.replace_all(records, field.schema, extracted, owned)  # type: ignore[return-value]


class ExtractFieldKey(KeySide, ExtractField):
    """Replaces the record key with one of its fields."""

    aliases = ("org.apache.kafka.connect.transforms.ExtractField$Key",)


class ExtractFieldValue(ValueSide, ExtractField):
    """Replaces the record value with one of its fields."""

    aliases = ("org.apache.kafka.connect.transforms.ExtractField$Value",)
