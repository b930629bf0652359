"""TimestampConverter$Key / TimestampConverter$Value: convert timestamps between Unix epoch numbers,
``SimpleDateFormat`` strings and Connect's Date, Time and Timestamp types.

``field`` names the timestamp (empty: the whole key or value; with ``field.syntax.version=V2`` a
nested path). The source kind comes from the schema (Timestamp/Date/Time by name, string, int64 as
Unix time) or, schemaless, from the value (a datetime, a date, a time, an int, a str). As in Kafka
every conversion goes through epoch milliseconds, so sub-millisecond parts are lost, and Date drops
the time of day and Time the date, in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, ValidString
from connectd.api.errors import DataError
from connectd.api.schema import (
    DATE_LOGICAL_NAME,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Field,
    Schema,
    SchemaType,
    date_schema,
    time_schema,
    timestamp_schema,
)
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.cast import java_class, logical_millis
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    SchemaCache,
    copy_schema_basics,
    define_field_syntax,
    define_replace_null_with_default,
    field_value,
    plain_config_error,
    require_map,
    require_struct,
    syntax_version,
)
from connectd.transforms.java_date_format import DateParseError, DatePatternError, JavaDateFormat, from_millis
from connectd.transforms.sides import KeySide, ValueSide

FIELD_CONFIG = "field"
TARGET_TYPE_CONFIG = "target.type"
FORMAT_CONFIG = "format"
UNIX_PRECISION_CONFIG = "unix.precision"
TYPE_STRING, TYPE_UNIX, TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP = "string", "unix", "Date", "Time", "Timestamp"
_PRECISIONS = {"nanoseconds": 1_000_000, "microseconds": 1000, "milliseconds": 1, "seconds": -1000}
_PURPOSE = "converting timestamp formats"
_DAY_MS = 86_400_000
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_MISSING_FORMAT = "TimestampConverter requires format option to be specified when using string timestamps"
_FIELD_DOC = "The field containing the timestamp, or empty if the entire value is a timestamp"
_BAD_PATTERN = "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps"
_PRECISION_DOC = (
    "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used "
    "to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT "
    "will cause precision loss during conversions from, and to, values with sub-millisecond components."
)


def _saturated(value: int) -> int:
    """Java's TimeUnit conversions clamp to the long range instead of overflowing."""
    return max(_LONG_MIN, min(_LONG_MAX, value))


def _truncated_div(value: int, divisor: int) -> int:
    """Java's integer division, which rounds toward zero."""
    return value // divisor if value >= 0 else -(-value // divisor)


def _schema_str(schema: Schema) -> str:
    """ConnectSchema.toString: ``Schema{INT32}`` or ``Schema{name:TYPE}``."""
    return f"Schema{{{schema.name + ':' if schema.name else ''}{schema.type.name}}}"


_LOGICAL_KINDS = {
    TIMESTAMP_LOGICAL_NAME: TYPE_TIMESTAMP,
    DATE_LOGICAL_NAME: TYPE_DATE,
    TIME_LOGICAL_NAME: TYPE_TIME,
}


def _kind_of_schema(schema: Schema) -> str:
    if schema.name in _LOGICAL_KINDS:
        return _LOGICAL_KINDS[schema.name]
    if schema.type is SchemaType.STRING:
        return TYPE_STRING  # any other string: a timestamp in ``format``
    if schema.type is SchemaType.INT64:
        return TYPE_UNIX
    raise DataError(f"Schema {_schema_str(schema)} does not correspond to a known timestamp type format")


def _kind_of_value(value: Any) -> str:
    """Kafka sees one java.util.Date for all three logical types; Python tells them apart."""
    if isinstance(value, dt.datetime):
        return TYPE_TIMESTAMP
    if isinstance(value, dt.date):
        return TYPE_DATE
    if isinstance(value, dt.time):
        return TYPE_TIME
    if isinstance(value, int) and not isinstance(value, bool):
        return TYPE_UNIX
    if isinstance(value, str):
        return TYPE_STRING
    raise DataError(f"TimestampConverter does not support {java_class(value)} objects as timestamps")


def _type_schema(kind: str, optional: bool) -> Schema:
    if kind == TYPE_STRING:
        return Schema(SchemaType.STRING, optional=optional)
    if kind == TYPE_UNIX:
        return Schema(SchemaType.INT64, optional=optional)
    builder = {TYPE_DATE: date_schema, TYPE_TIME: time_schema, TYPE_TIMESTAMP: timestamp_schema}[kind]
    return builder(optional)


class TimestampConverterBase(SidedTransformation):
    """Convert timestamps between Unix epoch, strings and Connect Date/Time/Timestamp types."""

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = (
            ConfigDef()
            .define(
                FIELD_CONFIG,
                ConfigType.STRING,
                "",
                importance=Importance.HIGH,
                documentation=_FIELD_DOC,
            )
            .define(
                TARGET_TYPE_CONFIG,
                ConfigType.STRING,
                validator=ValidString(TYPE_STRING, TYPE_UNIX, TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP),
                importance=Importance.HIGH,
                documentation="The desired timestamp representation: string, unix, Date, Time, or Timestamp",
            )
            .define(
                FORMAT_CONFIG,
                ConfigType.STRING,
                "",
                importance=Importance.MEDIUM,
                documentation="A SimpleDateFormat-compatible format for the timestamp. Used to generate the "
                "output when type=string or used to parse the input if the input is a string.",
            )
            .define(
                UNIX_PRECISION_CONFIG,
                ConfigType.STRING,
                "milliseconds",
                validator=ValidString(*_PRECISIONS),
                importance=Importance.LOW,
                documentation=_PRECISION_DOC,
            )
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        self._target: str = parsed[TARGET_TYPE_CONFIG]
        pattern: str = parsed[FORMAT_CONFIG] or ""
        if self._target == TYPE_STRING and not pattern.strip():
            raise plain_config_error(FORMAT_CONFIG, _MISSING_FORMAT)
        self._format: JavaDateFormat | None = None
        if pattern.strip():
            try:
                self._format = JavaDateFormat(pattern)
            except DatePatternError:
                raise plain_config_error(FORMAT_CONFIG, f"{_BAD_PATTERN}: {pattern}") from None
        field = parsed[FIELD_CONFIG] or ""
        self._path = FieldPath.parse(field, syntax_version(parsed), FIELD_CONFIG) if field else None
        self._scale = _PRECISIONS[parsed[UNIX_PRECISION_CONFIG]]
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    # --- conversions ------------------------------------------------------------------------------

    def _to_millis(self, kind: str, value: Any) -> int:
        if kind == TYPE_STRING:
            if not isinstance(value, str):
                raise DataError(f"Expected string timestamp to be a String, but found {java_class(value)}")
            if self._format is None:  # Kafka fails on a null format here; say why instead
                raise DataError(_MISSING_FORMAT)
            try:
                return self._format.parse_millis(value)
            except DateParseError:
                pattern = self._format.pattern
                raise DataError(
                    f"Could not parse timestamp: value ({value}) does not match pattern ({pattern})"
                ) from None
        if kind == TYPE_UNIX:
            if not isinstance(value, int) or isinstance(value, bool):
                raise DataError(f"Expected Unix timestamp to be a Long, but found {java_class(value)}")
            if self._scale < 0:
                return _saturated(value * -self._scale)
            return _truncated_div(value, self._scale)
        if not isinstance(value, dt.date | dt.time):
            raise DataError(f"Expected {kind} to be a java.util.Date, but found {java_class(value)}")
        return logical_millis(value)

    def _from_millis(self, ms: int) -> Any:
        target = self._target
        if target == TYPE_STRING:
            assert self._format is not None  # configure insists on it
            return self._format.format_millis(ms)
        if target == TYPE_UNIX:
            if self._scale < 0:
                return _truncated_div(ms, -self._scale)
            return _saturated(ms * self._scale)
        if target == TYPE_TIME:
            of_day = ms % _DAY_MS
            return dt.time(
                of_day // 3_600_000, of_day // 60_000 % 60, of_day // 1000 % 60, of_day % 1000 * 1000
            )
        try:
            if target == TYPE_DATE:
                return dt.date(1970, 1, 1) + dt.timedelta(days=ms // _DAY_MS)
            return from_millis(ms)
        except (OverflowError, ValueError):
            raise DataError(f"Timestamp {ms} ms since the epoch is outside the years 1 to 9999") from None

    def _convert(self, value: Any, kind: str | None) -> Any:
        if value is None:
            return None
        return self._from_millis(self._to_millis(kind or _kind_of_value(value), value))

    # --- records ----------------------------------------------------------------------------------

    def apply(self, record: R) -> R:
        schema, value = self.side.schema(record), self.side.value(record)
        if schema is None:
            if value is None or self._path is None:
                return self.side.replace(record, None, self._convert(value, None))
            path = self._path

            def change(holder: dict[str, Any]) -> None:
                holder[path.name] = self._convert(holder.get(path.name), None)  # absent: null

            return self.side.replace(record, None, path.update_map(require_map(value, _PURPOSE), change))
        if self._path is None:
            converted = self._convert(value, _kind_of_schema(schema))
            return self.side.replace(record, _type_schema(self._target, schema.optional), converted)
        struct_value = None if value is None else require_struct(value, schema, _PURPOSE)
        updated = self._cache.get(schema, lambda s: self._struct_schema(s, 0))
        return self.side.replace(record, updated, self._convert_struct(struct_value, schema, updated, 0))

    def _struct_schema(self, schema: Schema, depth: int) -> Schema:
        assert self._path is not None
        if schema.type is not SchemaType.STRUCT:
            raise DataError("Cannot list fields on non-struct type")
        step, last = self._path.steps[depth], depth == len(self._path.steps) - 1
        fields = []
        for field in schema.fields:
            if field.name == step:
                replaced = _type_schema(self._target, field.schema.optional) if last else None
                field = Field(step, replaced or self._struct_schema(field.schema, depth + 1))
            fields.append(field)
        updated = replace(copy_schema_basics(schema, fields), optional=schema.optional)
        if schema.default is None:
            return updated
        return replace(updated, default=self._convert_struct(schema.default, schema, updated, depth))

    def _convert_struct(
        self, value: Mapping[str, Any] | None, schema: Schema, updated: Schema, depth: int
    ) -> dict[str, Any] | None:
        assert self._path is not None
        if value is None:
            return None
        step, last = self._path.steps[depth], depth == len(self._path.steps) - 1
        result: dict[str, Any] = {}
        for field in schema.fields:
            item = field_value(value, field, self._with_default)
            if field.name == step:
                if last:
                    item = self._convert(item, _kind_of_schema(field.schema))
                else:
                    child = None if item is None else require_struct(item, field.schema, _PURPOSE)
                    child_schema = updated.field(step)
                    assert child_schema is not None
                    item = self._convert_struct(child, field.schema, child_schema.schema, depth + 1)
            result[field.name] = item
        return result


class TimestampConverterKey(KeySide, TimestampConverterBase):
    """TimestampConverter$Key: converts the record key or a field of it."""

    aliases = ("org.apache.kafka.connect.transforms.TimestampConverter$Key",)


class TimestampConverterValue(ValueSide, TimestampConverterBase):
    """TimestampConverter$Value: converts the record value or a field of it."""

    aliases = ("org.apache.kafka.connect.transforms.TimestampConverter$Value",)
