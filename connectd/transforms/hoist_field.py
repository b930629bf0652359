"""HoistField: wrap the key or value in a one-field struct or map (Kafka's ``HoistField$Key/$Value``).

With a schema the result is a struct ``{field: value}`` whose schema holds the original schema as
its only field (an unnamed, required struct, cached per input schema); without one, a map.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import DataError
from connectd.api.schema import Field, Schema, SchemaType
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import SchemaCache
from connectd.transforms.sides import KeySide, ValueSide, any_null, one_schema

FIELD = "field"
_FIELD_DOC = "Field name for the single field that will be created in the resulting Struct or Map."


def null_for_required(name: str, schema: Schema) -> DataError:
    """The error Kafka's ``Struct.put`` gives for a null in a required field."""
    return DataError(
        f'Invalid value: null used for required field: "{name}", schema type: {schema.type.name}'
    )


class HoistField(SidedTransformation):
    """Wrap data using the specified field name in a Struct when schema present, or a Map in the case
    of schemaless data. The ``$Key`` and ``$Value`` variants pick the part of the record."""

    fresh_records = True

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef().define(
            FIELD,
            ConfigType.STRING,
            importance=Importance.MEDIUM,
            documentation=_FIELD_DOC,
        )

    def configure(self, config: Mapping[str, str]) -> None:
        self._field: str = self.config_def().parse(config)[FIELD]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        schema = self.side.schema(record)
        value = self.side.value(record)
        if schema is None:
            return self.side.replace(record, None, {self._field: value})
        if value is None and not schema.optional:
            raise null_for_required(self._field, schema)
        updated = self._cache.get(schema, self._hoisted_schema)
        return self.side.replace(record, updated, {self._field: value})

    def apply_batch(self, records: list[R], owned: bool = False) -> list[R | None]:
        side = self.side
        schemas = side.schemas(records)
        if not records or not one_schema(schemas):
            return list(map(self.apply, records))
        schema, values, field = schemas[0], side.values(records), self._field
        if schema is None:
            return side.replace_all(records, None, [{field: v} for v in values], owned)  # type: ignore[return-value]
        if not schema.optional and any_null(values):
            return list(map(self.apply, records))  # raises for the null
        updated = self._cache.get(schema, self._hoisted_schema)
        return side.replace_all(records, updated, [{field: v} for v in values], owned)  # type: ignore[return-value]

    def _hoisted_schema(self, schema: Schema) -> Schema:
        return Schema(SchemaType.STRUCT, fields=(Field(self._field, schema),))


class HoistFieldKey(KeySide, HoistField):
    """Wraps the record key in a single field."""

    aliases = ("org.apache.kafka.connect.transforms.HoistField$Key",)


class HoistFieldValue(ValueSide, HoistField):
    """Wraps the record value in a single field."""

    aliases = ("org.apache.kafka.connect.transforms.HoistField$Value",)
