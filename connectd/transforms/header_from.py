"""HeaderFrom: move or copy key/value fields into headers (Kafka's ``HeaderFrom$Key/$Value``).

The n-th entry of ``fields`` goes to a header named by the n-th entry of ``headers``, appended after
the record's existing headers (a header of the same name is not replaced, as in Kafka). With a
schema the header carries the field's schema. ``operation=move`` also removes the fields from the
key/value; ``copy`` leaves it as it is.

With ``field.syntax.version=V2`` each field is a path: ``fields=a.b`` reads (and with ``move``
removes) field ``b`` of ``a``; the header name is used as configured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, ValidString
from connectd.api.errors import DataError
from connectd.api.records import Header
from connectd.api.schema import Field, Schema
from connectd.api.transforms import R, new_record
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    SchemaCache,
    copy_schema_basics,
    define_field_syntax,
    define_replace_null_with_default,
    field_value,
    non_empty_list,
    plain_config_error,
    require_map,
    require_struct,
    syntax_version,
)
from connectd.transforms.sides import KeySide, ValueSide

FIELDS = "fields"
HEADERS = "headers"
OPERATION = "operation"
MOVE = "move"
COPY = "copy"


def _dropper(name: str) -> Callable[[dict[str, Any]], None]:
    def drop(holder: dict[str, Any]) -> None:
        holder.pop(name, None)

    return drop


def _field_dropper(name: str) -> Callable[[list[Field]], None]:
    def drop(fields: list[Field]) -> None:
        fields[:] = [f for f in fields if f.name != name]

    return drop


class HeaderFrom(SidedTransformation):
    """The shared half of ``$Key`` and ``$Value``: ``side`` picks which part of the record."""

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = (
            ConfigDef()
            .define(
                FIELDS,
                ConfigType.LIST,
                validator=non_empty_list,
                importance=Importance.HIGH,
                documentation="Names (with V2, paths) of the fields whose values go to headers.",
            )
            .define(
                HEADERS,
                ConfigType.LIST,
                validator=non_empty_list,
                importance=Importance.HIGH,
                documentation="Header names, one per entry of fields, in the same order.",
            )
            .define(
                OPERATION,
                ConfigType.STRING,
                validator=ValidString(MOVE, COPY),
                importance=Importance.HIGH,
                documentation="move removes the fields from the key/value, copy keeps them there.",
            )
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        fields: list[str] = parsed[FIELDS]
        self._headers: list[str] = parsed[HEADERS]
        if len(fields) != len(self._headers):
            raise plain_config_error(
                HEADERS, f"'{FIELDS}' config must have the same number of elements as '{HEADERS}' config."
            )
        version = syntax_version(parsed)
        self._fields = [(text, FieldPath.parse(text, version, FIELDS)) for text in fields]
        self._operation: str = parsed[OPERATION]
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        value = self.side.value(record)
        schema = self.side.schema(record)
        purpose = f"header {self._operation}"
        headers = list(record.headers)
        if schema is None:
            original = require_map(value, purpose)
            updated: Any = dict(original)
            for (_, path), header in zip(self._fields, self._headers, strict=True):
                headers.append(Header(header, path.value_from_map(original), None))
                if self._operation == MOVE:
                    updated = path.update_map(updated, _dropper(path.name))
            return new_record(self.side.replace(record, None, updated), headers=headers)
        struct = require_struct(value, schema, purpose)
        for (text, path), header in zip(self._fields, self._headers, strict=True):
            found = path.field_from(schema)
            if found is None:
                # Kafka fails here with a NullPointerException; say which field is missing instead.
                raise DataError(f"Unknown field: {text}")
            headers.append(
                Header(header, path.value_from_struct(struct, schema, self._with_default), found.schema)
            )
        if self._operation == COPY:
            return new_record(record, headers=headers)
        updated_schema = self._cache.get(schema, self._moved_schema)
        updated = {f.name: field_value(struct, f, self._with_default) for f in updated_schema.fields}
        for _, path in self._fields:
            if path.parent:
                updated = path.update_struct(updated, _dropper(path.name))
        return new_record(self.side.replace(record, updated_schema, updated), headers=headers)

    def _moved_schema(self, schema: Schema) -> Schema:
        updated = schema
        for _, path in self._fields:
            updated = path.update_schema(updated, _field_dropper(path.name))
        return copy_schema_basics(schema, updated.fields)


class HeaderFromKey(KeySide, HeaderFrom):
    """Moves or copies fields of the record key into headers."""

    aliases = ("org.apache.kafka.connect.transforms.HeaderFrom$Key",)


class HeaderFromValue(ValueSide, HeaderFrom):
    """Moves or copies fields of the record value into headers."""

    aliases = ("org.apache.kafka.connect.transforms.HeaderFrom$Value",)
