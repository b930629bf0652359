"""ValueToKey: replace the record key with fields of the value (Kafka's ``ValueToKey``).

The new key is a struct (with a schema) or a map (without) holding the listed value fields, in the
order ``fields`` lists them; the value is left as it is.

With ``field.syntax.version=V2`` each entry is a path into the value, and the key field is named by
the entry exactly as configured: ``fields=name,address.city`` gives a key with the fields ``name``
and ``address.city`` (``fields=`parent.child`.k2`` gives one named ```parent.child`.k2``). This is
how Kafka implements nested ValueToKey (KAFKA-14228): the key stays flat, and every key field can
be traced back to its config entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import DataError
from connectd.api.schema import Field, Schema, SchemaType
from connectd.api.transforms import R, new_record
from connectd.transforms.builtin import BuiltinTransformation
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    SchemaCache,
    define_field_syntax,
    define_replace_null_with_default,
    duplicate_field,
    non_empty_list,
    require_map,
    require_struct,
    syntax_version,
)

FIELDS = "fields"
PURPOSE = "copying fields from value to key"


class ValueToKey(BuiltinTransformation):
    """Replaces the record key with a key built from fields of the record value."""

    aliases = ("org.apache.kafka.connect.transforms.ValueToKey",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = ConfigDef().define(
            FIELDS,
            ConfigType.LIST,
            validator=non_empty_list,
            importance=Importance.HIGH,
            documentation="Names (with V2, paths) of the value fields that make up the new key.",
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        version = syntax_version(parsed)
        self._fields: list[tuple[str, FieldPath]] = [
            (text, FieldPath.parse(text, version, FIELDS)) for text in parsed[FIELDS]
        ]
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        schema = record.value_schema
        if schema is None:
            value = require_map(record.value, PURPOSE)
            key: dict[str, Any] = {text: path.value_from_map(value) for text, path in self._fields}
            return new_record(record, key_schema=None, key=key)
        struct = require_struct(record.value, schema, PURPOSE)
        key_schema = self._cache.get(schema, self._key_schema)
        key = {
            text: path.value_from_struct(struct, schema, self._with_default) for text, path in self._fields
        }
        return new_record(record, key_schema=key_schema, key=key)

    def _key_schema(self, value_schema: Schema) -> Schema:
        fields: list[Field] = []
        for text, path in self._fields:
            found = path.field_from(value_schema)
            if found is None:
                raise DataError(f"Field does not exist: {text}")
            if any(f.name == text for f in fields):
                raise duplicate_field(text)
            fields.append(Field(text, found.schema))
        return Schema(SchemaType.STRUCT, fields=tuple(fields))
