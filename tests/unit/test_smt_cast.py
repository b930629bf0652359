"""Cast$Key / Cast$Value: Kafka's CastTest cases, Java's cast semantics, and V2 nested paths."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.errors import ConfigError, DataError
from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaType,
    date_schema,
    decimal_schema,
    struct_schema,
    time_schema,
    timestamp_schema,
)
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.cast import (
    CastKey,
    CastValue,
    cast_value,
    java_float_str,
    java_parse_float,
    to_float32,
)

T = SchemaType
UTC = dt.UTC
DAY = dt.date(1970, 1, 2)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def value_cast(spec: str, **extra: str) -> CastValue:
    smt = CastValue()
    smt.configure({"spec": spec, **extra})
    return smt


def key_cast(spec: str) -> CastKey:
    smt = CastKey()
    smt.configure({"spec": spec})
    return smt


def s(type_: SchemaType, **options: Any) -> Schema:
    return Schema(type_, **options)


def record(value: Any, schema: Schema | None = None) -> SourceRecord:
    return SourceRecord("topic", value, key="key", key_schema=STRING_SCHEMA, partition=0, value_schema=schema)


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "Must specify at least one field to cast."),
        ("foo:faketype", "Invalid type found in casting spec: faketype"),
        (
            "foo:array",
            "Cast transformation does not support casting to ARRAY; supported types are "
            "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
        ),
        (
            "array",
            "Cast transformation does not support casting to ARRAY; supported types are "
            "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
        ),
        (
            "foo:bytes",
            "Cast transformation does not support casting to BYTES; supported types are "
            "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
        ),
        (
            "foo:int8,int32",
            "Cast transformations that specify a type to cast the entire value to may only specify a "
            "single cast in their spec",
        ),
        ("int8,", "Invalid type found in casting spec: "),
    ],
)
def test_invalid_specs_raise_kafkas_message_naming_spec(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        key_cast(spec)
    assert raised.value.name == "spec", f"expected the error to name 'spec', got {raised.value.name!r}"
    assert str(raised.value) == message, f"expected Kafka's message {message!r}, got {raised.value}"


def test_a_mapping_with_two_colons_is_an_invalid_mapping() -> None:
    with pytest.raises(ConfigError, match=r"Invalid rename mapping: foo:int8:extra") as raised:
        key_cast("foo:int8:extra")
    assert raised.value.name == "spec", "expected the error to name 'spec'"


def test_missing_spec_is_required() -> None:
    with pytest.raises(ConfigError, match='"spec"'):
        CastValue().configure({})


def test_types_are_case_insensitive_and_trimmed() -> None:
    smt = value_cast(" foo : INT8 , bar:Float64 ")
    result = smt.apply(record({"foo": "7", "bar": 1}))
    assert result.value == {"foo": 7, "bar": 1.0}, f"expected both casts applied, got {result.value}"


def test_invalid_v2_path_names_spec() -> None:
    with pytest.raises(ConfigError) as raised:
        value_cast("`a.b:int8", **{"field.syntax.version": "V2"})
    assert raised.value.name == "spec", f"expected 'spec' named for a bad path, got {raised.value.name}"


def test_version_and_aliases() -> None:
    assert CastValue().version() == BUILTIN_VERSION, "expected the built-in version"
    assert CastKey.aliases == ("org.apache.kafka.connect.transforms.Cast$Key",), "expected Kafka's key name"
    assert CastValue.aliases == ("org.apache.kafka.connect.transforms.Cast$Value",), "expected Kafka's name"


# --- nulls and defaults --------------------------------------------------------------------------


@pytest.mark.parametrize("schema", [STRING_SCHEMA, None])
def test_null_value_passes_through_unchanged(schema: Schema | None) -> None:
    original = record(None, schema)
    assert value_cast("foo:int64").apply(original) is original, "expected a null value to pass through"


@pytest.mark.parametrize("key_schema", [STRING_SCHEMA, None])
def test_null_key_passes_through_unchanged(key_schema: Schema | None) -> None:
    original = SourceRecord("topic", "value", key=None, key_schema=key_schema, value_schema=STRING_SCHEMA)
    assert key_cast("foo:int64").apply(original) is original, "expected a null key to pass through"


@pytest.mark.parametrize(("replace_null", "expected"), [("false", None), ("true", "10")])
def test_null_field_with_default(replace_null: str, expected: str | None) -> None:
    schema = struct_schema(None, ("magic", s(T.INT32, optional=True, default=10)))
    smt = value_cast("magic:string", **{"replace.null.with.default": replace_null})
    result = smt.apply(record({"magic": None}, schema))
    assert result.value_schema.field("magic").schema.type is T.STRING, "expected magic cast to string"
    assert result.value["magic"] == expected, f"expected {expected!r} with replace={replace_null}"


# --- whole values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("int8", 42),
        ("int16", 42),
        ("int32", 42),
        ("int64", 42),
        ("float32", 42.0),
        ("float64", 42.0),
        ("boolean", True),
        ("string", "42"),
    ],
)
def test_whole_value_with_schema(target: str, expected: Any) -> None:
    result = value_cast(target).apply(record(42, INT32_SCHEMA))
    assert result.value_schema.type is T(target), f"expected a {target} schema, got {result.value_schema}"
    assert result.value == expected and type(result.value) is type(expected), f"expected {expected!r}"


@pytest.mark.parametrize(
    ("target", "expected"),
    [("int8", 42), ("int64", 42), ("float32", 42.0), ("boolean", True), ("string", "42")],
)
def test_whole_value_schemaless(target: str, expected: Any) -> None:
    result = value_cast(target).apply(record(42))
    assert result.value_schema is None, "expected no schema"
    assert result.value == expected, f"expected {expected!r}, got {result.value!r}"


def test_zero_casts_to_false() -> None:
    assert value_cast("boolean").apply(record(0, INT32_SCHEMA)).value is False, "expected 0 to be false"
    assert value_cast("boolean").apply(record(0)).value is False, "expected 0 to be false schemaless"


def test_whole_key_with_and_without_schema() -> None:
    smt = key_cast("int8")
    with_schema = smt.apply(
        SourceRecord("t", "bogus", key=42, key_schema=INT32_SCHEMA, value_schema=STRING_SCHEMA)
    )
    assert (with_schema.key, with_schema.key_schema.type) == (42, T.INT8), "expected an int8 key"
    assert with_schema.value == "bogus", "expected the value untouched"
    schemaless = smt.apply(SourceRecord("t", "bogus", key=42))
    assert (schemaless.key, schemaless.key_schema) == (42, None), "expected a schemaless int8 key"


def test_whole_value_default_is_cast() -> None:
    schema = s(T.FLOAT32, default=-42.125)
    result = value_cast("int32").apply(record(42.125, schema))
    assert (result.value, result.value_schema.default) == (42, -42), "expected value and default truncated"


def test_whole_decimal_and_timestamp_to_string() -> None:
    decimal = value_cast("string").apply(record(Decimal(42), decimal_schema(0)))
    assert (decimal.value, decimal.value_schema.type) == ("42", T.STRING), "expected BigDecimal.toString"
    assert decimal.value_schema.name is None, "expected the Decimal logical name dropped from a string"
    when = dt.datetime(1970, 1, 2, 0, 0, 0, 1000, tzinfo=UTC)
    ts = value_cast("string").apply(record(when, timestamp_schema()))
    assert ts.value == "1970-01-02T00:00:00.001Z", (
        f"expected Values.dateFormatFor's timestamp, got {ts.value}"
    )


def test_whole_value_keeps_a_plain_schema_name() -> None:
    schema = s(T.INT64, name="com.example.Id", version=3, doc="an id", optional=True)
    result = value_cast("string").apply(record(7, schema))
    updated = result.value_schema
    assert (updated.name, updated.version, updated.doc) == ("com.example.Id", 3, "an id"), "expected basics"
    assert updated.optional, "expected optional kept"


def test_schemaless_unsupported_types() -> None:
    with pytest.raises(DataError) as raised:
        value_cast("int8").apply(record(["foo"]))
    assert str(raised.value) == (
        "Cast transformation does not support casting from ARRAY; supported types are "
        "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
    ), f"expected Kafka's message, got {raised.value}"
    with pytest.raises(DataError, match=r"value of type class java.math.BigDecimal which is not supported"):
        value_cast("int8").apply(record(Decimal(1)))


def test_struct_whole_cast_is_rejected() -> None:
    schema = struct_schema(None, ("a", INT32_SCHEMA))
    with pytest.raises(DataError, match="does not support casting from STRUCT"):
        value_cast("string").apply(record({"a": 1}, schema))


# --- fields --------------------------------------------------------------------------------------

FIELDS_SPEC = (
    "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,"
    "string:int32,bigdecimal:string,date:string,optional:int32,bytes:string"
)


def test_fields_with_schema() -> None:
    schema = struct_schema(
        None,
        ("int8", s(T.INT8)),
        ("int16", s(T.INT16, optional=True)),
        ("int32", s(T.INT32, default=2)),
        ("int64", INT64_SCHEMA),
        ("float32", s(T.FLOAT32)),
        ("float64", s(T.FLOAT64, default=-1.125)),
        ("boolean", BOOLEAN_SCHEMA),
        ("string", STRING_SCHEMA),
        ("bigdecimal", decimal_schema(0)),
        ("date", date_schema()),
        ("optional", s(T.FLOAT32, optional=True)),
        ("timestamp", timestamp_schema()),
        ("bytes", BYTES_SCHEMA),
    )
    value = {
        "int8": 8, "int16": 16, "int32": 32, "int64": 64, "float32": 32.0, "float64": -64.0, "boolean": True,
        "string": "42", "bigdecimal": Decimal(42), "date": DAY, "timestamp": EPOCH,
        "bytes": bytes([0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]),
    }  # fmt: skip
    original = record(value, schema)
    result = value_cast(FIELDS_SPEC).apply(original)
    assert result.value == {
        "int8": 8, "int16": 16, "int32": 32, "int64": True, "float32": 32.0, "float64": True, "boolean": 1,
        "string": 42, "bigdecimal": "42", "date": "1970-01-02", "optional": None,
        "timestamp": EPOCH, "bytes": "/ty6mHZUMhA=",
    }, f"expected Kafka's castFieldsWithSchema results, got {result.value}"  # fmt: skip
    types = {f.name: f.schema.type for f in result.value_schema.fields}
    assert types == {
        "int8": T.INT16, "int16": T.INT32, "int32": T.INT64, "int64": T.BOOLEAN, "float32": T.FLOAT64,
        "float64": T.BOOLEAN, "boolean": T.INT8, "string": T.INT32, "bigdecimal": T.STRING, "date": T.STRING,
        "optional": T.INT32, "timestamp": T.INT64, "bytes": T.STRING,
    }, f"expected the cast schema types, got {types}"  # fmt: skip
    fields = {f.name: f.schema for f in result.value_schema.fields}
    assert fields["int16"].optional and fields["optional"].optional, "expected optional fields kept optional"
    assert fields["int32"].default == 2 and fields["float64"].default is True, "expected defaults cast"
    assert fields["timestamp"] == timestamp_schema(), "expected an uncast field's schema untouched"
    assert original.value["int64"] == 64, "expected the input value untouched"


def test_fields_schemaless() -> None:
    value = {
        "int8": 8, "int16": 16, "int32": 32, "int64": 64, "float32": 32.0, "float64": -64.0, "boolean": True,
        "string": "42",
    }  # fmt: skip
    result = value_cast(
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32"
    ).apply(record(value))
    assert result.value == {
        "int8": 8, "int16": 16, "int32": 32, "int64": True, "float32": 32.0, "float64": True, "boolean": 1,
        "string": 42,
    }, f"expected Kafka's castFieldsSchemaless results, got {result.value}"  # fmt: skip
    assert value["string"] == "42", "expected the input map untouched"


def test_schemaless_missing_field_becomes_null() -> None:
    result = value_cast("missing:int8").apply(record({"a": 1}))
    assert result.value == {"a": 1, "missing": None}, "expected Kafka's null for an absent field"


def test_logical_to_primitive() -> None:
    schema = struct_schema(
        None,
        ("date_to_int32", date_schema()),
        ("timestamp_to_int64", timestamp_schema()),
        ("time_to_int64", time_schema()),
        ("decimal_to_int32", decimal_schema(0)),
        ("timestamp_to_float64", timestamp_schema()),
        ("null_timestamp_to_int32", timestamp_schema(optional=True)),
    )
    value = {
        "date_to_int32": DAY,
        "timestamp_to_int64": dt.datetime(1970, 1, 1, tzinfo=UTC),
        "time_to_int64": dt.time(0, 0, 0, 1000),
        "decimal_to_int32": Decimal(2**31),
        "timestamp_to_float64": dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        "null_timestamp_to_int32": None,
    }
    spec = (
        "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,"
        "timestamp_to_float64:float64,null_timestamp_to_int32:int32"
    )
    result = value_cast(spec).apply(record(value, schema))
    assert result.value == {
        "date_to_int32": 1,
        "timestamp_to_int64": 0,
        "time_to_int64": 1,
        "decimal_to_int32": -(2**31),  # BigDecimal.intValue keeps the low 32 bits
        "timestamp_to_float64": 253402300799999.0,
        "null_timestamp_to_int32": None,
    }, f"expected the logical encodings cast, got {result.value}"
    assert result.value_schema.field("null_timestamp_to_int32").schema.type is T.INT32, "expected int32"


def test_logical_to_string() -> None:
    schema = struct_schema(
        None, ("date", date_schema()), ("decimal", decimal_schema(0)), ("time", time_schema()),
        ("timestamp", timestamp_schema()), ("before_epoch", timestamp_schema()),
    )  # fmt: skip
    value = {
        "date": DAY, "decimal": Decimal(1982), "time": dt.time(1),
        "before_epoch": dt.datetime(1969, 7, 20, tzinfo=UTC),
        "timestamp": dt.datetime(2024, 3, 7, 12, 30, 15, 123456, tzinfo=UTC),
    }  # fmt: skip
    result = value_cast("date:string,decimal:string,time:string,timestamp:string,before_epoch:string")
    assert result.apply(record(value, schema)).value == {
        "date": "1970-01-02",
        "decimal": "1982",
        "time": "01:00:00.000Z",
        "timestamp": "2024-03-07T12:30:15.123Z",
        "before_epoch": "00:00:00.000Z",  # Values.dateFormatFor takes any time before day one as a time
    }, "expected Connect's ISO 8601 forms"


def test_field_not_in_schema_is_ignored() -> None:
    schema = struct_schema(None, ("a", INT32_SCHEMA))
    result = value_cast("missing:int8").apply(record({"a": 1}, schema))
    assert (result.value, result.value_schema) == ({"a": 1}, schema), "expected nothing to change"


def test_updated_schema_is_cached() -> None:
    smt = value_cast("a:string")
    schema = struct_schema(None, ("a", INT32_SCHEMA))
    first = smt.apply(record({"a": 1}, schema)).value_schema
    second = smt.apply(record({"a": 2}, struct_schema(None, ("a", INT32_SCHEMA)))).value_schema
    assert first is second, "expected the cached schema for an equal input schema"


def test_struct_default_is_cast_too() -> None:
    schema = struct_schema(None, ("a", s(T.INT32, optional=True)), optional=True)
    schema = Schema(T.STRUCT, optional=True, fields=schema.fields, default={"a": 5})
    result = value_cast("a:string").apply(record({"a": 1}, schema))
    assert result.value_schema.default == {"a": "5"}, "expected the struct default's field cast"


def test_wrong_value_types() -> None:
    schema = struct_schema(None, ("a", INT32_SCHEMA))
    with pytest.raises(DataError, match=r"Only Struct objects supported for \[cast types\]"):
        value_cast("a:string").apply(record("not a struct", schema))
    with pytest.raises(
        DataError, match=r"Only Map objects supported in absence of schema for \[cast types\]"
    ):
        value_cast("a:string").apply(record(42))
    with pytest.raises(DataError, match="Cannot list fields on non-struct type"):
        value_cast("a:string").apply(record("x", STRING_SCHEMA))


def test_sink_records_keep_their_offset() -> None:
    original = SinkRecord("t", 3, 99, {"a": "1"})
    result = value_cast("a:int32").apply(original)
    assert (result.offset, result.partition, result.value) == (99, 3, {"a": 1}), "expected a SinkRecord back"


# --- Java cast semantics -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "value", "target", "expected"),
    [
        (INT64_SCHEMA, 300, T.INT8, 44),  # wraps, as Java's (byte)
        (INT64_SCHEMA, -129, T.INT8, 127),
        (INT64_SCHEMA, 2**31, T.INT32, -(2**31)),
        (s(T.FLOAT64), 300.7, T.INT8, 44),  # double -> int -> byte
        (s(T.FLOAT64), -1.9, T.INT32, -1),  # truncation toward zero
        (s(T.FLOAT64), 1e20, T.INT32, 2**31 - 1),  # saturates
        (s(T.FLOAT64), 1e20, T.INT16, -1),  # saturates to int, then wraps
        (s(T.FLOAT64), math.nan, T.INT64, 0),
        (s(T.FLOAT64), 0.5, T.BOOLEAN, False),  # longValue() != 0
        (s(T.FLOAT64), math.inf, T.INT64, 2**63 - 1),
        (BOOLEAN_SCHEMA, True, T.FLOAT32, 1.0),
        (BOOLEAN_SCHEMA, False, T.STRING, "false"),
        (STRING_SCHEMA, "+5", T.INT16, 5),
        (STRING_SCHEMA, "TRUE", T.BOOLEAN, True),
        (STRING_SCHEMA, "yes", T.BOOLEAN, False),  # Boolean.parseBoolean
        (STRING_SCHEMA, " 2.5 ", T.FLOAT64, 2.5),  # Double.parseDouble trims
        (STRING_SCHEMA, "1.5f", T.FLOAT32, 1.5),
        (STRING_SCHEMA, "0x1p3", T.FLOAT64, 8.0),
        (STRING_SCHEMA, "0.1", T.FLOAT32, to_float32(0.1)),
        (s(T.FLOAT64), 1e10, T.STRING, "1.0E10"),
        (s(T.FLOAT64), 100.0, T.STRING, "100.0"),
        (s(T.FLOAT64), 1e-4, T.STRING, "1.0E-4"),
        (s(T.FLOAT64), -0.0, T.STRING, "-0.0"),
        (s(T.FLOAT32), to_float32(1.1), T.STRING, "1.1"),  # Float.toString, not the double's digits
        (s(T.FLOAT64), to_float32(1.1), T.STRING, "1.100000023841858"),
        (s(T.FLOAT64), math.inf, T.STRING, "Infinity"),
        (decimal_schema(1), Decimal("-12.9"), T.INT8, -12),
        (decimal_schema(0), Decimal("-0"), T.STRING, "0"),
        (decimal_schema(0), Decimal("1E+3"), T.STRING, "1E+3"),
        (BYTES_SCHEMA, b"\x00\xff", T.STRING, "AP8="),
        (s(T.FLOAT64), 3, T.STRING, "3.0"),  # an int in a float64 field is still a Java Double
    ],
)
def test_java_cast_semantics(schema: Schema, value: Any, target: SchemaType, expected: Any) -> None:
    got = cast_value(schema, value, target)
    assert got == expected and type(got) is type(expected), f"expected {value!r} -> {target}: {expected!r}"


@pytest.mark.parametrize(
    ("value", "target"), [("300", T.INT8), ("1.5", T.INT32), (" 5", T.INT32), ("x", T.FLOAT64)]
)
def test_unparseable_strings_are_out_of_range(value: str, target: SchemaType) -> None:
    with pytest.raises(DataError) as raised:
        cast_value(STRING_SCHEMA, value, target)
    assert str(raised.value) == f"Value ({value}) was out of range for requested data type", (
        "expected Kafka's"
    )


def test_bytes_cast_only_to_string() -> None:
    with pytest.raises(DataError) as raised:
        cast_value(BYTES_SCHEMA, b"\x01", T.INT8)
    assert str(raised.value) == "Unexpected type in Cast transformation: class [B", f"got {raised.value}"


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integer_narrowing_matches_twos_complement(value: int) -> None:
    for target, bits in ((T.INT8, 8), (T.INT16, 16), (T.INT32, 32), (T.INT64, 64)):
        expected = (value + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1)
        assert cast_value(INT64_SCHEMA, value, target) == expected, f"expected {value} wrapped to {bits} bits"


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_int64_string_round_trip(value: int) -> None:
    text = cast_value(INT64_SCHEMA, value, T.STRING)
    assert cast_value(STRING_SCHEMA, text, T.INT64) == value, f"expected {text!r} to parse back"


@given(st.floats(allow_nan=False))
def test_float64_string_round_trip(value: float) -> None:
    text = java_float_str(value)
    assert java_parse_float(text, False) == value, f"expected {text!r} to read back as {value!r}"
    assert text.replace("-", "").replace("Infinity", "1.0")[1:2] in (
        ".",
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
    )


@given(st.floats(width=32, allow_nan=False))
def test_float32_string_round_trip(value: float) -> None:
    text = java_float_str(value, float32=True)
    assert java_parse_float(text, True) == value, f"expected {text!r} to read back as the float32 {value!r}"


# --- nested paths (V2) ---------------------------------------------------------------------------

V2 = {"field.syntax.version": "V2"}


def test_v2_nested_field_with_schema() -> None:
    inner = struct_schema("Inner", ("b", INT64_SCHEMA), ("c", STRING_SCHEMA))
    schema = struct_schema("Outer", ("a", inner), ("d", INT64_SCHEMA))
    original = record({"a": {"b": 300, "c": "x"}, "d": 1}, schema)
    result = value_cast("a.b:int8,d:string", **V2).apply(original)
    assert result.value == {"a": {"b": 44, "c": "x"}, "d": "1"}, (
        f"expected a.b and d cast, got {result.value}"
    )
    updated_inner = result.value_schema.field("a").schema
    assert updated_inner.field("b").schema.type is T.INT8, "expected a.b's schema cast"
    assert updated_inner.name == "Inner", "expected the nested struct's name kept"
    assert original.value["a"]["b"] == 300, "expected the input untouched"


def test_v2_nested_field_schemaless_and_backticks() -> None:
    original = record({"a.b": {"c": "7"}, "a": {"b": "8"}})
    result = value_cast("`a.b`.c:int32,a.b:int64", **V2).apply(original)
    assert result.value == {"a.b": {"c": 7}, "a": {"b": 8}}, f"expected both paths cast, got {result.value}"


def test_v2_missing_parent_is_left_alone() -> None:
    result = value_cast("x.y:int8", **V2).apply(record({"a": 1}))
    assert result.value == {"a": 1}, "expected no parent created for a missing path"


def test_v1_treats_dots_as_part_of_the_name() -> None:
    result = value_cast("a.b:int8").apply(record({"a.b": "5", "a": {"b": "6"}}))
    assert result.value == {"a.b": 5, "a": {"b": "6"}}, "expected V1 to cast the literal 'a.b' field only"


def test_v2_null_nested_struct_stays_null() -> None:
    inner = struct_schema(None, ("b", INT64_SCHEMA), optional=True)
    schema = struct_schema(None, ("a", inner))
    result = value_cast("a.b:string", **V2).apply(record({"a": None}, schema))
    assert result.value == {"a": None}, "expected a null parent kept"
    assert result.value_schema.field("a").schema.field("b").schema.type is T.STRING, "expected schema cast"
