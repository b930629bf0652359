"""InsertField: add record metadata or a static string as fields (Kafka's ``InsertField$Key/$Value``).

Each ``*.field`` names the field to add; a ``!`` suffix makes it required in the schema, ``?`` (or
no suffix) optional. The topic is a string, the partition an int32 (left out when the record has
none), the offset an int64 (sink records only), the timestamp a Timestamp (epoch milliseconds
without a schema; left out when the record has none), the static value a string. A null key/value
passes through unchanged.

With ``field.syntax.version=V2`` each field name is a path: ``topic.field=meta.topic`` adds
``topic`` inside ``meta``. A parent missing from the schema/map is created (an optional struct
with a schema); a parent that is present but null stays null, since filling it in would invent
its other fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import ConfigError
from connectd.api.schema import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaType,
    timestamp_schema,
)
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    SchemaCache,
    conform,
    copy_schema_basics,
    define_field_syntax,
    define_replace_null_with_default,
    duplicate_field,
    field_value,
    plain_config_error,
    require_map,
    require_sink_record,
    require_struct,
    syntax_version,
)
from connectd.transforms.sides import KeySide, ValueSide

TOPIC_FIELD = "topic.field"
PARTITION_FIELD = "partition.field"
OFFSET_FIELD = "offset.field"
TIMESTAMP_FIELD = "timestamp.field"
STATIC_FIELD = "static.field"
STATIC_VALUE = "static.value"
PURPOSE = "field insertion"

_OPTIONALITY = "A trailing ! makes the field required, a trailing ? (the default) optional."
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OPTIONAL_INT32_SCHEMA = Schema(SchemaType.INT32, optional=True)

# Per key: the inserted field's schema when required and when optional.
_SCHEMAS: dict[str, tuple[Schema, Schema]] = {
    TOPIC_FIELD: (STRING_SCHEMA, OPTIONAL_STRING_SCHEMA),
    PARTITION_FIELD: (INT32_SCHEMA, _OPTIONAL_INT32_SCHEMA),
    OFFSET_FIELD: (INT64_SCHEMA, OPTIONAL_INT64_SCHEMA),
    TIMESTAMP_FIELD: (timestamp_schema(), timestamp_schema(optional=True)),
    STATIC_FIELD: (STRING_SCHEMA, OPTIONAL_STRING_SCHEMA),
}


@dataclass(frozen=True, slots=True)
class _Insertion:
    key: str  # the config key that named the field
    text: str  # the field name (or V2 path) without its !/? suffix
    path: FieldPath
    optional: bool

    @property
    def schema(self) -> Schema:
        required, optional = _SCHEMAS[self.key]
        return optional if self.optional else required


def _split_suffix(spec: str) -> tuple[str, bool]:
    if spec.endswith("?"):
        return spec[:-1], True
    if spec.endswith("!"):
        return spec[:-1], False
    return spec, True


def _setter(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def put(holder: dict[str, Any]) -> None:
        holder[name] = value

    return put


def _adder(name: str, schema: Schema) -> Callable[[list[Field]], None]:
    def add(fields: list[Field]) -> None:
        if any(f.name == name for f in fields):
            raise duplicate_field(name)
        fields.append(Field(name, schema))

    return add


class InsertField(SidedTransformation):
    """The shared half of ``$Key`` and ``$Value``: ``side`` picks which part of the record."""

    fresh_records = True

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = ConfigDef()
        for key, what in (
            (TOPIC_FIELD, "Field name for the Kafka topic."),
            (PARTITION_FIELD, "Field name for the Kafka partition."),
            (OFFSET_FIELD, "Field name for the Kafka offset (sink connectors only)."),
            (TIMESTAMP_FIELD, "Field name for the record timestamp."),
            (STATIC_FIELD, "Field name for the static value."),
        ):
            definition.define(
                key,
                ConfigType.STRING,
                None,
                importance=Importance.MEDIUM,
                documentation=f"{what} {_OPTIONALITY}",
            )
        definition.define(
            STATIC_VALUE,
            ConfigType.STRING,
            None,
            importance=Importance.MEDIUM,
            documentation="The static field's value, when static.field is set.",
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        version = syntax_version(parsed)
        self._insertions: list[_Insertion] = []
        for key in _SCHEMAS:
            if parsed[key] is None:
                continue
            text, optional = _split_suffix(parsed[key])
            self._insertions.append(_Insertion(key, text, FieldPath.parse(text, version, key), optional))
        if not self._insertions:
            raise plain_config_error(TOPIC_FIELD, "No field insertion configured")
        self._static_value: str | None = parsed[STATIC_VALUE]
        if parsed[STATIC_FIELD] is not None and self._static_value is None:
            # Kafka prints its internal spec object here; the configured field name is more useful.
            text = _split_suffix(parsed[STATIC_FIELD])[0]
            raise ConfigError(STATIC_VALUE, "null", f"No value specified for static field: {text}")
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()
        # Every insertion at the root: a record of an already seen schema takes a shortcut.
        self._flat = all(len(i.path.steps) == 1 for i in self._insertions)
        self._last_schema: Schema | None = None
        self._last_updated: Schema | None = None
        self._static_only = all(i.key == STATIC_FIELD for i in self._insertions)
        self._static_items = tuple((i.path.name, self._static_value) for i in self._insertions)
        self._defaults: tuple[tuple[str, Any], ...] = ()

    def apply(self, record: R) -> R:
        value = self.side.value(record)
        if value is None:
            return record
        schema = self.side.schema(record)
        if schema is not None and schema is self._last_schema and type(value) is dict:
            # The common case: root-level insertions into the same schema as the last record.
            root = dict(value)
            if self._with_default:
                for name, default in self._defaults:
                    if root.get(name) is None:
                        root[name] = default
            if self._static_only:
                root.update(self._static_items)
            else:
                for insertion in self._insertions:
                    root[insertion.path.name] = None  # a field the record has no value for (a timestamp)
                for insertion, inserted in self._inserted(record, with_schema=True):
                    root[insertion.path.name] = inserted
            return self.side.replace(record, self._last_updated, root)
        if schema is None:
            updated = dict(require_map(value, PURPOSE))
            for insertion, inserted in self._inserted(record, with_schema=False):
                updated = insertion.path.update_map(updated, _setter(insertion.path.name, inserted), True)
            return self.side.replace(record, None, updated)
        struct = require_struct(value, schema, PURPOSE)
        updated_schema = self._cache.get(schema, self._updated_schema)
        if self._flat and len(struct) == len(schema.fields):
            self._last_schema, self._last_updated = schema, updated_schema
            self._defaults = tuple(
                (f.name, f.schema.default) for f in schema.fields if f.schema.default is not None
            )
        root = {f.name: field_value(struct, f, self._with_default) for f in schema.fields}
        for insertion, inserted in self._inserted(record, with_schema=True):
            root = insertion.path.update_struct(root, _setter(insertion.path.name, inserted), True)
        return self.side.replace(record, updated_schema, conform(root, updated_schema))

    def apply_batch(self, records: list[R], owned: bool = False) -> list[R | None]:
        side = self.side
        # The batch form of apply's common case: static fields at the root of a known schema.
        values = side.struct_values(records, self._last_schema)
        if values is None or not self._static_only or (self._with_default and self._defaults):
            return list(map(self.apply, records))
        static = dict(self._static_items)
        return side.replace_all(records, self._last_updated, [{**v, **static} for v in values], owned)  # type: ignore[return-value]

    def _inserted(self, record: R, with_schema: bool) -> Iterator[tuple[_Insertion, Any]]:
        """The values to insert into this record, in Kafka's order."""
        for insertion in self._insertions:
            if insertion.key == TOPIC_FIELD:
                yield insertion, record.topic
            elif insertion.key == PARTITION_FIELD:
                if record.partition is not None:
                    yield insertion, record.partition
            elif insertion.key == OFFSET_FIELD:
                yield insertion, require_sink_record(record, PURPOSE).offset
            elif insertion.key == TIMESTAMP_FIELD:
                if record.timestamp is not None and with_schema:
                    yield insertion, _EPOCH + timedelta(milliseconds=record.timestamp)
                elif record.timestamp is not None:
                    yield insertion, record.timestamp  # schemaless: epoch milliseconds, as Kafka
            else:
                yield insertion, self._static_value

    def _updated_schema(self, schema: Schema) -> Schema:
        updated = schema
        for insertion in self._insertions:
            adder = _adder(insertion.path.name, insertion.schema)
            updated = insertion.path.update_schema(updated, adder, create=True)
        return copy_schema_basics(schema, updated.fields)


class InsertFieldKey(KeySide, InsertField):
    """Adds record metadata or a static value to the record key."""

    aliases = ("org.apache.kafka.connect.transforms.InsertField$Key",)


class InsertFieldValue(ValueSide, InsertField):
    """Adds record metadata or a static value to the record value."""

    aliases = ("org.apache.kafka.connect.transforms.InsertField$Value",)
