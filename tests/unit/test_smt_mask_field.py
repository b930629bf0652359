"""MaskField$Key / MaskField$Value: Kafka's MaskFieldTest cases, typed replacements and V2 paths."""

from __future__ import annotations

import datetime as dt
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
from connectd.transforms.cast import to_float32
from connectd.transforms.mask_field import MaskFieldKey, MaskFieldValue

T = SchemaType
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
NOW = dt.datetime(2024, 3, 7, 12, 0, tzinfo=UTC)

SCHEMA = struct_schema(
    None,
    ("magic", INT32_SCHEMA),
    ("bool", BOOLEAN_SCHEMA),
    ("byte", Schema(T.INT8)),
    ("short", Schema(T.INT16)),
    ("int", INT32_SCHEMA),
    ("long", INT64_SCHEMA),
    ("float", Schema(T.FLOAT32)),
    ("double", Schema(T.FLOAT64)),
    ("string", STRING_SCHEMA),
    ("date", date_schema()),
    ("time", time_schema()),
    ("timestamp", timestamp_schema()),
    ("decimal", decimal_schema(0)),
    ("array", Schema(T.ARRAY, value_schema=INT32_SCHEMA)),
    ("map", Schema(T.MAP, key_schema=STRING_SCHEMA, value_schema=STRING_SCHEMA)),
    ("withDefault", Schema(T.STRING, optional=True, default="default")),
)
VALUES_WITH_SCHEMA: dict[str, Any] = {
    "magic": 42, "bool": True, "byte": 42, "short": 42, "int": 42, "long": 42, "float": 42.0, "double": 42.0,
    "string": "hmm", "date": NOW.date(), "time": NOW.time(), "timestamp": NOW, "decimal": Decimal(42),
    "array": [1, 2, 3], "map": {"what": "what"}, "withDefault": None,
}  # fmt: skip
VALUES: dict[str, Any] = {
    "magic": 42, "bool": True, "long": 42, "double": 42.0, "string": "55.121.20.20", "date": NOW,
    "bigdec": Decimal("42.0"), "list": [42], "map": {"key": "value"},
}  # fmt: skip


def mask(fields: list[str], replacement: str | None = None, **extra: str) -> MaskFieldValue:
    config = {"fields": ",".join(fields), "replace.null.with.default": "false", **extra}
    if replacement is not None:
        config["replacement"] = replacement
    smt = MaskFieldValue()
    smt.configure(config)
    return smt


def record(value: Any, schema: Schema | None = None) -> SinkRecord:
    return SinkRecord("", 0, 0, value, value_schema=schema)


# --- default masks -------------------------------------------------------------------------------


def test_schemaless() -> None:
    original = record(dict(VALUES))
    result = mask([k for k in VALUES if k != "magic"]).apply(original).value
    assert result == {
        "magic": 42, "bool": False, "long": 0, "double": 0.0, "string": "", "date": EPOCH,
        "bigdec": Decimal(0), "list": [], "map": {},
    }, f"expected Kafka's null masks, got {result}"  # fmt: skip
    assert original.value == VALUES, "expected the input map untouched"


def test_with_schema() -> None:
    fields = [f.name for f in SCHEMA.fields if f.name != "magic"]
    result = mask(fields).apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA))
    assert result.value == {
        "magic": 42, "bool": False, "byte": 0, "short": 0, "int": 0, "long": 0, "float": 0.0, "double": 0.0,
        "string": "", "date": EPOCH.date(), "time": dt.time(0), "timestamp": EPOCH, "decimal": Decimal(0),
        "array": [], "map": {}, "withDefault": None,
    }, f"expected Kafka's null masks, got {result.value}"  # fmt: skip
    assert result.value_schema is SCHEMA, "expected the schema unchanged"
    assert type(result.value["float"]) is float and type(result.value["bool"]) is bool, "expected typed masks"


def test_null_with_default_is_masked_when_replacing_nulls() -> None:
    smt = mask(["withDefault"], **{"replace.null.with.default": "true"})
    result = smt.apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA))
    assert result.value["withDefault"] == "", "expected the default read, then masked to an empty string"


def test_null_stays_null() -> None:
    result = mask(["string"]).apply(record({"string": None}))
    assert result.value == {"string": None}, "expected a null field left null"


def test_absent_schemaless_field_becomes_null() -> None:
    result = mask(["missing"]).apply(record({"a": 1}))
    assert result.value == {"a": 1, "missing": None}, "expected Kafka's null for an absent field"


def test_empty_list_and_map_masks_are_fresh() -> None:
    smt = mask(["array", "map"])
    first = smt.apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA)).value
    first["array"].append(0)
    first["map"]["k"] = "v"
    second = smt.apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA)).value
    assert (second["array"], second["map"]) == ([], {}), "expected new empty list and map for every record"


def test_decimal_mask_keeps_the_schema_scale() -> None:
    schema = struct_schema(None, ("d", decimal_schema(2)))
    masked = mask(["d"]).apply(record({"d": Decimal("12.34")}, schema)).value["d"]
    assert masked == 0 and masked.as_tuple().exponent == -2, f"expected 0.00, got {masked!r}"


@pytest.mark.parametrize(
    ("schema", "value", "java_class"),
    [
        (BYTES_SCHEMA, b"x", "[B"),
        (struct_schema(None, ("a", INT32_SCHEMA)), {"a": 1}, "org.apache.kafka.connect.data.Struct"),
    ],
)
def test_types_without_a_mask(schema: Schema, value: Any, java_class: str) -> None:
    with pytest.raises(DataError) as raised:
        mask(["f"]).apply(record({"f": value}, struct_schema(None, ("f", schema))))
    assert str(raised.value) == f"Cannot mask value of type: class {java_class}", f"got {raised.value}"


# --- replacements --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "replacement", "expected"),
    [
        ("short", "123", 123),
        ("byte", "123", 123),
        ("int", "123", 123),
        ("long", "123", 123),
        ("float", "123.0", 123.0),
        ("double", "123.0", 123.0),
        ("string", "123", "123"),
        ("decimal", "123.0", Decimal("123.0")),
        ("byte", "300", 44),  # Values.convertToByte: (byte) of the long
        ("int", "12.7", 12),  # BigDecimal("12.7").longValue()
        ("int", "1e3", 1000),
        ("float", "0.1", to_float32(0.1)),
    ],
)
def test_replacement_with_schema(field: str, replacement: str, expected: Any) -> None:
    result = mask([field], replacement).apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA)).value[field]
    assert result == expected and type(result) is type(expected), f"expected {expected!r} for {field}"


@pytest.mark.parametrize(
    ("field", "replacement", "expected"),
    [
        ("long", "123", 123),
        ("double", "123.0", 123.0),
        ("string", "123", "123"),
        ("bigdec", "123.0", Decimal("123.0")),
    ],
)
def test_replacement_schemaless(field: str, replacement: str, expected: Any) -> None:
    result = mask([field], replacement).apply(record(dict(VALUES))).value[field]
    assert result == expected and type(result) is type(expected), f"expected {expected!r} for {field}"


@pytest.mark.parametrize(
    ("field", "java_class"),
    [
        ("date", "java.util.Date"),
        ("bool", "java.lang.Boolean"),
        ("list", "java.util.ArrayList"),
        ("map", "java.util.HashMap"),
    ],
)
def test_unsupported_replacement_types_schemaless(field: str, java_class: str) -> None:
    with pytest.raises(DataError) as raised:
        mask([field], "123").apply(record(dict(VALUES)))
    expected = f"Cannot mask value of type class {java_class} with custom replacement."
    assert str(raised.value) == expected, f"expected Kafka's message, got {raised.value}"


@pytest.mark.parametrize("field", ["time", "timestamp", "array"])
def test_unsupported_replacement_types_with_schema(field: str) -> None:
    with pytest.raises(DataError, match="Cannot mask value of type"):
        mask([field], "123").apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA))


@pytest.mark.parametrize("field", ["byte", "short", "int", "long", "float", "double"])
def test_replacement_type_mismatch(field: str) -> None:
    with pytest.raises(DataError) as raised:
        mask([field], "foo").apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA))
    assert str(raised.value) == "Unable to convert foo (class java.lang.String) to a number", (
        f"{raised.value}"
    )


def test_decimal_replacement_mismatch() -> None:
    with pytest.raises(DataError) as raised:
        mask(["bigdec"], "foo").apply(record(dict(VALUES)))
    assert str(raised.value) == "Unable to convert foo (class java.lang.String) to number", f"{raised.value}"


def test_mismatch_fails_even_after_a_string_field() -> None:
    with pytest.raises(DataError):
        mask(["string", "long"], "foo").apply(record(dict(VALUES)))


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integer_replacements_wrap_to_the_field_width(number: int) -> None:
    result = mask(["short"], str(number)).apply(record(dict(VALUES_WITH_SCHEMA), SCHEMA)).value["short"]
    assert result == (number + 2**15) % 2**16 - 2**15, f"expected {number} wrapped to 16 bits, got {result}"


# --- configuration and errors --------------------------------------------------------------------


def test_empty_replacement_is_rejected() -> None:
    with pytest.raises(ConfigError) as raised:
        mask(["short"], "")
    assert raised.value.name == "replacement", f"expected 'replacement' named, got {raised.value.name}"
    assert "String must be non-empty" in str(raised.value), f"expected Kafka's reason, got {raised.value}"


@pytest.mark.parametrize("config", [{"fields": ""}, {}])
def test_fields_are_required_and_non_empty(config: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as raised:
        MaskFieldValue().configure(config)
    assert raised.value.name == "fields", f"expected 'fields' named, got {raised.value.name}"


def test_wrong_value_types() -> None:
    with pytest.raises(
        DataError, match=r"Only Map objects supported in absence of schema for \[mask fields\]"
    ):
        mask(["a"]).apply(record("text"))
    with pytest.raises(DataError, match=r"Only Struct objects supported for \[mask fields\]"):
        mask(["a"]).apply(record("text", STRING_SCHEMA))


def test_key_variant_and_version() -> None:
    smt = MaskFieldKey()
    smt.configure({"fields": "ssn"})
    result = smt.apply(SourceRecord("t", "v", key={"ssn": "123-45-6789", "id": 7}))
    assert result.key == {"ssn": "", "id": 7} and result.value == "v", "expected the key masked only"
    assert smt.version() == BUILTIN_VERSION, "expected the built-in version"
    assert MaskFieldValue.aliases == ("org.apache.kafka.connect.transforms.MaskField$Value",), "Kafka's name"


# --- nested paths (V2) ---------------------------------------------------------------------------

V2 = {"field.syntax.version": "V2"}


def test_v2_nested_with_schema() -> None:
    customer = struct_schema("Customer", ("ssn", STRING_SCHEMA), ("age", INT32_SCHEMA))
    schema = struct_schema(None, ("customer", customer), ("id", INT64_SCHEMA))
    original = record({"customer": {"ssn": "123", "age": 40}, "id": 1}, schema)
    result = mask(["customer.ssn", "customer.age"], **V2).apply(original)
    assert result.value == {"customer": {"ssn": "", "age": 0}, "id": 1}, (
        f"expected nested masks, {result.value}"
    )
    assert original.value["customer"]["ssn"] == "123", "expected the input untouched"


def test_v2_nested_schemaless_with_backticks() -> None:
    original = record({"a.b": {"c": "secret"}, "a": {"b": 5}})
    result = mask(["`a.b`.c"], "***", **V2).apply(original)
    assert result.value == {"a.b": {"c": "***"}, "a": {"b": 5}}, f"expected `a.b`.c only: {result.value}"
    with pytest.raises(DataError, match="to a number"):  # a.b is an int: '***' is no number
        mask(["a.b"], "***", **V2).apply(original)


def test_v2_missing_or_null_parent_is_left_alone() -> None:
    result = mask(["x.y"], **V2).apply(record({"x": None, "z": 1}))
    assert result.value == {"x": None, "z": 1}, "expected a null parent left alone"


def test_v2_masking_a_whole_struct_field_needs_a_mask_for_its_type() -> None:
    inner = struct_schema(None, ("b", INT32_SCHEMA))
    schema = struct_schema(None, ("a", inner))
    with pytest.raises(DataError, match="Struct"):
        mask(["a", "a.b"], **V2).apply(record({"a": {"b": 1}}, schema))
