"""TimestampConverter$Key / $Value: Kafka's TimestampConverterTest cases, precisions and V2 paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.errors import ConfigError, DataError
from connectd.api.records import SourceRecord
from connectd.api.schema import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaType,
    date_schema,
    struct_schema,
    time_schema,
    timestamp_schema,
)
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.timestamp_converter import TimestampConverterKey, TimestampConverterValue

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
TIME = dt.time(0, 0, 1, 234000)  # 1234 ms after midnight
DATE = dt.date(1970, 1, 2)
DATE_PLUS_TIME = dt.datetime(1970, 1, 2, 0, 0, 1, 234000, tzinfo=UTC)
DATE_PLUS_TIME_UNIX = 86401234
DATE_PLUS_TIME_UNIX_MICROS = DATE_PLUS_TIME_UNIX * 1000 + 123
DATE_PLUS_TIME_UNIX_NANOS = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456
DATE_PLUS_TIME_UNIX_SECONDS = 86401
STRING_DATE_FMT = "yyyy MM dd HH mm ss SSS z"
DATE_PLUS_TIME_STRING = "1970 01 02 00 00 01 234 UTC"
OPTIONAL = {
    "Timestamp": timestamp_schema(optional=True),
    "Date": date_schema(optional=True),
    "Time": time_schema(optional=True),
    "unix": OPTIONAL_INT64_SCHEMA,
    "string": OPTIONAL_STRING_SCHEMA,
}


def converter(target: str, **extra: str) -> TimestampConverterValue:
    smt = TimestampConverterValue()
    smt.configure({"target.type": target, **extra})
    return smt


def record(value: Any, schema: Schema | None = None) -> SourceRecord:
    return SourceRecord("topic", value, partition=0, value_schema=schema)


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "key", "message"),
    [
        ({}, "target.type", 'Missing required configuration "target.type" which has no default value.'),
        (
            {"target.type": "invalid"},
            "target.type",
            "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, "
            "Time, Timestamp",
        ),
        (
            {"target.type": "unix", "unix.precision": "invalid"},
            "unix.precision",
            "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, "
            "microseconds, milliseconds, seconds",
        ),
        (
            {"target.type": "string"},
            "format",
            "TimestampConverter requires format option to be specified when using string timestamps",
        ),
        (
            {"target.type": "string", "format": "  "},
            "format",
            "TimestampConverter requires format option to be specified when using string timestamps",
        ),
        (
            {"target.type": "string", "format": "bad-format"},
            "format",
            "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: "
            "bad-format",
        ),
    ],
)
def test_invalid_config(config: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        TimestampConverterValue().configure(config)
    assert raised.value.name == key, f"expected {key!r} named, got {raised.value.name!r}"
    assert str(raised.value) == message, f"expected Kafka's message {message!r}, got {raised.value}"


def test_valid_unix_precision() -> None:
    converter("unix", **{"unix.precision": "seconds"})


def test_version_and_aliases() -> None:
    assert converter("unix").version() == BUILTIN_VERSION, "expected the built-in version"
    assert TimestampConverterKey.aliases == ("org.apache.kafka.connect.transforms.TimestampConverter$Key",)
    assert TimestampConverterValue.aliases == (
        "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    )


# --- whole values --------------------------------------------------------------------------------

CONVERSIONS = [
    ("Timestamp", {}, DATE_PLUS_TIME, DATE_PLUS_TIME),
    ("Date", {}, DATE_PLUS_TIME, DATE),
    ("Time", {}, DATE_PLUS_TIME, TIME),
    ("unix", {}, DATE_PLUS_TIME, DATE_PLUS_TIME_UNIX),
    ("string", {"format": STRING_DATE_FMT}, DATE_PLUS_TIME, DATE_PLUS_TIME_STRING),
    ("Timestamp", {}, DATE, dt.datetime(1970, 1, 2, tzinfo=UTC)),
    ("Timestamp", {}, TIME, dt.datetime(1970, 1, 1, 0, 0, 1, 234000, tzinfo=UTC)),
    ("Timestamp", {}, DATE_PLUS_TIME_UNIX, DATE_PLUS_TIME),
    ("Timestamp", {"format": STRING_DATE_FMT}, DATE_PLUS_TIME_STRING, DATE_PLUS_TIME),
]


@pytest.mark.parametrize(("target", "extra", "value", "expected"), CONVERSIONS)
def test_schemaless(target: str, extra: dict[str, str], value: Any, expected: Any) -> None:
    result = converter(target, **extra).apply(record(value))
    assert result.value_schema is None, "expected no schema"
    assert result.value == expected, f"expected {value!r} as {target}: {expected!r}, got {result.value!r}"


SOURCE_SCHEMAS = {
    dt.datetime: timestamp_schema(),
    dt.date: date_schema(),
    dt.time: time_schema(),
    int: INT64_SCHEMA,
    str: STRING_SCHEMA,
}
TARGET_SCHEMAS = {
    "Timestamp": timestamp_schema(),
    "Date": date_schema(),
    "Time": time_schema(),
    "unix": INT64_SCHEMA,
    "string": STRING_SCHEMA,
}


@pytest.mark.parametrize(("target", "extra", "value", "expected"), CONVERSIONS)
def test_with_schema(target: str, extra: dict[str, str], value: Any, expected: Any) -> None:
    result = converter(target, **extra).apply(record(value, SOURCE_SCHEMAS[type(value)]))
    assert result.value_schema == TARGET_SCHEMAS[target], f"expected the {target} schema"
    assert result.value == expected, f"expected {value!r} as {target}: {expected!r}, got {result.value!r}"


@pytest.mark.parametrize("target", list(OPTIONAL))
def test_null_values(target: str) -> None:
    smt = converter(target, format=STRING_DATE_FMT)
    assert smt.apply(record(None)).value is None, "expected a schemaless null kept"
    for source in OPTIONAL.values():
        result = smt.apply(record(None, source))
        assert result.value is None, "expected a null value kept"
        assert result.value_schema == OPTIONAL[target], f"expected the optional {target} schema from {source}"


@pytest.mark.parametrize("target", list(OPTIONAL))
def test_null_fields(target: str) -> None:
    smt = converter(target, format=STRING_DATE_FMT, field="ts")
    assert smt.apply(record(None)).value is None, "expected a schemaless null kept"
    for source in OPTIONAL.values():
        schema = struct_schema(None, ("ts", source), ("other", STRING_SCHEMA))
        expected_schema = struct_schema(None, ("ts", OPTIONAL[target]), ("other", STRING_SCHEMA))
        result = smt.apply(record({"ts": None, "other": "test"}, schema))
        assert result.value == {"ts": None, "other": "test"}, "expected a null field kept"
        assert result.value_schema == expected_schema, f"expected ts as optional {target}"
        optional = struct_schema(None, *((f.name, f.schema) for f in schema.fields), optional=True)
        whole = smt.apply(record(None, optional))
        assert whole.value is None, "expected a null struct kept"
        assert whole.value_schema == struct_schema(
            None, ("ts", OPTIONAL[target]), ("other", STRING_SCHEMA), optional=True
        ), "expected the optional struct's schema converted"


def test_key_variant() -> None:
    smt = TimestampConverterKey()
    smt.configure({"target.type": "Timestamp"})
    result = smt.apply(SourceRecord("topic", None, key=DATE_PLUS_TIME))
    assert (result.key, result.key_schema) == (DATE_PLUS_TIME, None), "expected the key converted"


# --- fields --------------------------------------------------------------------------------------


def test_schemaless_field() -> None:
    original = record({"ts": DATE_PLUS_TIME, "other": 1})
    result = converter("Date", field="ts").apply(original)
    assert result.value == {"ts": DATE, "other": 1}, f"expected ts as a Date, got {result.value}"
    assert original.value["ts"] == DATE_PLUS_TIME, "expected the input untouched"


def test_schemaless_absent_field_becomes_null() -> None:
    result = converter("Date", field="ts").apply(record({"other": 1}))
    assert result.value == {"other": 1, "ts": None}, "expected Kafka's null for an absent field"


def test_field_with_schema() -> None:
    schema = struct_schema(None, ("ts", INT64_SCHEMA), ("other", STRING_SCHEMA))
    result = converter("Timestamp", field="ts").apply(
        record({"ts": DATE_PLUS_TIME_UNIX, "other": "test"}, schema)
    )
    assert result.value_schema == struct_schema(None, ("ts", timestamp_schema()), ("other", STRING_SCHEMA))
    assert result.value == {"ts": DATE_PLUS_TIME, "other": "test"}, (
        f"expected ts converted, got {result.value}"
    )


@pytest.mark.parametrize(("replace_null", "expected"), [("false", None), ("true", EPOCH)])
def test_null_field_with_default(replace_null: str, expected: Any) -> None:
    schema = struct_schema(
        None, ("ts", Schema(SchemaType.INT64, optional=True, default=0)), ("other", STRING_SCHEMA)
    )
    smt = converter("Timestamp", field="ts", **{"replace.null.with.default": replace_null})
    result = smt.apply(record({"ts": None, "other": "test"}, schema))
    assert result.value_schema.field("ts").schema == timestamp_schema(optional=True), "expected optional ts"
    assert result.value["ts"] == expected, f"expected {expected!r} with replace={replace_null}"


@pytest.mark.parametrize(
    ("precision", "unix"),
    [
        ("microseconds", DATE_PLUS_TIME_UNIX_MICROS),
        ("nanoseconds", DATE_PLUS_TIME_UNIX_NANOS),
        ("seconds", DATE_PLUS_TIME_UNIX_SECONDS),
    ],
)
def test_field_precisions(precision: str, unix: int) -> None:
    schema = struct_schema(None, ("ts", INT64_SCHEMA))
    smt = converter("Timestamp", field="ts", **{"unix.precision": precision})
    result = smt.apply(record({"ts": unix}, schema)).value["ts"]
    expected = DATE_PLUS_TIME if precision != "seconds" else dt.datetime(1970, 1, 2, 0, 0, 1, tzinfo=UTC)
    assert result == expected, f"expected {unix} {precision} as {expected}, got {result}"


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        ("microseconds", 86401234000),
        ("nanoseconds", 86401234000000),
        ("seconds", DATE_PLUS_TIME_UNIX_SECONDS),
    ],
)
def test_string_to_unix_precisions(precision: str, expected: int) -> None:
    smt = converter("unix", format=STRING_DATE_FMT, **{"unix.precision": precision})
    assert smt.apply(record(DATE_PLUS_TIME_STRING)).value == expected, f"expected {expected} {precision}"


def test_unix_precision_edges_follow_java() -> None:
    micros = converter("unix", **{"unix.precision": "microseconds"})
    assert micros.apply(record(-1500)).value == -1000, "expected -1500 us truncated toward zero to -1 ms"
    nanos = converter("unix", **{"unix.precision": "nanoseconds"})
    late = dt.datetime(9999, 1, 1, tzinfo=UTC)
    assert nanos.apply(record(late)).value == 2**63 - 1, "expected nanoseconds to saturate as TimeUnit does"
    seconds = converter("unix", **{"unix.precision": "seconds"})
    assert seconds.apply(record(dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC))).value == 0


def test_date_and_time_of_negative_timestamps() -> None:
    before = dt.datetime(1969, 12, 31, 23, 0, tzinfo=UTC)
    assert converter("Date").apply(record(before)).value == dt.date(1969, 12, 31), "expected the UTC day"
    assert converter("Time").apply(record(before)).value == dt.time(23, 0), "expected the UTC time of day"


def test_updated_schema_is_cached_and_struct_defaults_converted() -> None:
    smt = converter("unix", field="ts")
    default = {"ts": DATE_PLUS_TIME}
    fields = struct_schema(None, ("ts", timestamp_schema())).fields
    schema = Schema(SchemaType.STRUCT, fields=fields, default=default, optional=True)
    result = smt.apply(record({"ts": EPOCH}, schema))
    assert result.value == {"ts": 0}, "expected ts as unix"
    assert result.value_schema.default == {"ts": DATE_PLUS_TIME_UNIX}, "expected the struct default converted"
    plain = struct_schema(None, ("ts", timestamp_schema()))
    first = smt.apply(record({"ts": EPOCH}, plain)).value_schema
    assert smt.apply(record({"ts": EPOCH}, plain)).value_schema is first, "expected the cached schema"


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("smt_config", "value", "schema", "message"),
    [
        (
            {"target.type": "Timestamp", "format": "yyyy-MM-dd"},
            "03/07/2024",
            None,
            "Could not parse timestamp: value (03/07/2024) does not match pattern (yyyy-MM-dd)",
        ),
        (
            {"target.type": "Date"},
            1,
            INT32_SCHEMA,
            "Schema Schema{INT32} does not correspond to a known timestamp type format",
        ),
        (
            {"target.type": "Date"},
            1.5,
            None,
            "TimestampConverter does not support class java.lang.Double objects as timestamps",
        ),
        (
            {"target.type": "Date", "format": "yyyy"},
            5,
            STRING_SCHEMA,
            "Expected string timestamp to be a String, but found class java.lang.Long",
        ),
        (
            {"target.type": "Date"},
            "2024",
            INT64_SCHEMA,
            "Expected Unix timestamp to be a Long, but found class java.lang.String",
        ),
        (
            {"target.type": "unix"},
            5,
            timestamp_schema(),
            "Expected Timestamp to be a java.util.Date, but found class java.lang.Long",
        ),
        (
            {"target.type": "unix"},
            "2024-03-07",
            None,
            "TimestampConverter requires format option to be specified when using string timestamps",
        ),
    ],
)
def test_data_errors(smt_config: dict[str, str], value: Any, schema: Schema | None, message: str) -> None:
    smt = TimestampConverterValue()
    smt.configure(smt_config)
    with pytest.raises(DataError) as raised:
        smt.apply(record(value, schema))
    assert str(raised.value) == message, f"expected Kafka's message {message!r}, got {raised.value}"


def test_wrong_container_types() -> None:
    with pytest.raises(DataError, match=r"Only Map objects supported in absence of schema for \[converting"):
        converter("unix", field="ts").apply(record("text"))
    with pytest.raises(
        DataError, match=r"Only Struct objects supported for \[converting timestamp formats\]"
    ):
        converter("unix", field="ts").apply(record("text", STRING_SCHEMA))


def test_out_of_range_timestamps_are_data_errors() -> None:
    with pytest.raises(DataError, match="outside the years 1 to 9999"):
        converter("Timestamp").apply(record(2**62))


# --- nested paths (V2) ---------------------------------------------------------------------------

V2 = {"field.syntax.version": "V2"}


def test_v2_nested_field_with_schema() -> None:
    meta = struct_schema("Meta", ("created", INT64_SCHEMA), ("by", STRING_SCHEMA))
    schema = struct_schema(None, ("meta", meta), ("id", INT64_SCHEMA))
    smt = converter("string", field="meta.created", format="yyyy-MM-dd", **V2)
    result = smt.apply(record({"meta": {"created": 1709812800000, "by": "me"}, "id": 1}, schema))
    assert result.value == {"meta": {"created": "2024-03-07", "by": "me"}, "id": 1}, f"got {result.value}"
    updated = result.value_schema.field("meta").schema
    assert updated.field("created").schema == STRING_SCHEMA and updated.name == "Meta", (
        "expected nested schema"
    )


def test_v2_nested_schemaless_with_backticks() -> None:
    smt = converter("unix", field="`meta.data`.created", format="yyyy-MM-dd", **V2)
    result = smt.apply(record({"meta.data": {"created": "2024-03-07"}, "x": 1}))
    assert result.value == {"meta.data": {"created": 1709769600000}, "x": 1}, f"got {result.value}"


def test_v2_missing_parent_is_left_alone() -> None:
    result = converter("unix", field="a.b", **V2).apply(record({"x": 1}))
    assert result.value == {"x": 1}, "expected no parent created"


def test_v1_field_with_a_dot_is_one_name() -> None:
    result = converter("unix", field="a.b").apply(record({"a.b": EPOCH}))
    assert result.value == {"a.b": 0}, "expected V1 to read 'a.b' as a single field name"


# --- round trips ---------------------------------------------------------------------------------

WHEN = st.datetimes(min_value=dt.datetime(1, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)


@given(WHEN)
def test_timestamp_unix_round_trip(when: dt.datetime) -> None:
    unix = converter("unix").apply(record(when)).value
    assert converter("Timestamp").apply(record(unix)).value == when, f"expected {when} back from {unix}"


@given(WHEN)
def test_timestamp_string_round_trip(when: dt.datetime) -> None:
    pattern = {"format": "G yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}
    text = converter("string", **pattern).apply(record(when)).value
    assert converter("Timestamp", **pattern).apply(record(text)).value == when, f"expected {when} from {text}"
