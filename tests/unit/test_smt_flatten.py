"""Flatten lifts nested structs/maps to the top level (Kafka's FlattenTest cases, with and without
schemas)."""

from __future__ import annotations

from typing import Any

import pytest

from connectd.api import DataError
from connectd.api.records import SourceRecord
from connectd.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaType,
    struct_schema,
)
from connectd.transforms.flatten import Flatten, FlattenKey, FlattenValue

INT8 = Schema(SchemaType.INT8)
INT16 = Schema(SchemaType.INT16)
FLOAT32 = Schema(SchemaType.FLOAT32)
OPTIONAL_INT32 = Schema(SchemaType.INT32, optional=True)


def flatten(config: dict[str, str] | None = None, cls: type[Flatten] = FlattenValue) -> Flatten:
    smt = cls()
    smt.configure(config or {})
    return smt


SUPPORTED = struct_schema(
    None,
    ("int8", INT8), ("int16", INT16), ("int32", INT32_SCHEMA), ("int64", INT64_SCHEMA),
    ("float32", FLOAT32), ("float64", FLOAT64_SCHEMA), ("boolean", BOOLEAN_SCHEMA), ("string", STRING_SCHEMA),
    ("bytes", BYTES_SCHEMA),
)  # fmt: skip
SUPPORTED_VALUE = {
    "int8": 8, "int16": 16, "int32": 32, "int64": 64, "float32": 32.0, "float64": 64.0,
    "boolean": True, "string": "stringy", "bytes": b"bytes",
}  # fmt: skip


def test_nested_struct_is_flattened_with_dotted_names() -> None:
    two_levels = struct_schema(None, ("A", struct_schema(None, ("B", SUPPORTED))))
    result = flatten().apply(SourceRecord("topic", {"A": {"B": SUPPORTED_VALUE}}, value_schema=two_levels))
    expected = {f"A.B.{name}": value for name, value in SUPPORTED_VALUE.items()}
    assert result.value == expected, f"expected {expected}, got {result.value}"
    assert result.value_schema is not None, "expected a flattened schema"
    fields = [(f.name, f.schema.type) for f in result.value_schema.fields]
    assert fields == [(f"A.B.{f.name}", f.schema.type) for f in SUPPORTED.fields], f"got fields {fields}"


def test_nested_map_with_delimiter() -> None:
    result = flatten({"delimiter": "#"}).apply(SourceRecord("topic", {"A": {"B": SUPPORTED_VALUE}}))
    expected = {f"A#B#{name}": value for name, value in SUPPORTED_VALUE.items()}
    assert result.value_schema is None and result.value == expected, (
        f"expected {expected}, got {result.value}"
    )


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (INT32_SCHEMA, 42, "Only Struct objects supported for [flattening], found: int"),
        (None, 42, "Only Map objects supported in absence of schema for [flattening], found: int"),
    ],
)
def test_top_level_struct_or_map_required(schema: Schema | None, value: Any, message: str) -> None:
    with pytest.raises(DataError) as error:
        flatten().apply(SourceRecord("topic", value, value_schema=schema))
    assert str(error.value) == message, f"expected {message!r}, got {error.value}"


def test_optional_field_struct_keeps_its_null() -> None:
    schema = struct_schema(None, ("B", struct_schema(None, ("opt_int32", OPTIONAL_INT32))))
    result = flatten().apply(SourceRecord("topic", {"B": {"opt_int32": None}}, value_schema=schema))
    assert result.value == {"B.opt_int32": None}, f"expected B.opt_int32 null, got {result.value}"


def test_optional_top_level_struct_tombstone_passes_through() -> None:
    schema = struct_schema("name", ("magic", OPTIONAL_INT64_SCHEMA), optional=True)
    record = SourceRecord("test", None, value_schema=schema)
    result = flatten().apply(record)
    assert result.value is None and result.value_schema is schema, (
        "expected the tombstone and schema unchanged"
    )
    assert flatten().apply(SourceRecord("test", None)).value_schema is None, (
        "expected a schemaless tombstone kept"
    )


def test_null_optional_nested_struct_leaves_its_fields_null() -> None:
    inner = struct_schema(None, ("opt_int32", OPTIONAL_INT32), optional=True)
    result = flatten().apply(
        SourceRecord("topic", {"B": None}, value_schema=struct_schema(None, ("B", inner)))
    )
    assert result.value == {"B.opt_int32": None}, f"expected B.opt_int32 null, got {result.value}"


def test_optional_field_map() -> None:
    result = flatten().apply(SourceRecord("topic", {"B": {"opt_int32": None}}))
    assert result.value == {"B.opt_int32": None}, f"expected B.opt_int32 null, got {result.value}"


def test_key_is_flattened_by_the_key_variant() -> None:
    result = flatten(cls=FlattenKey).apply(SourceRecord("topic", None, key={"A": {"B": 12}}))
    assert result.key == {"A.B": 12} and result.key_schema is None, (
        f"expected {{'A.B': 12}}, got {result.key}"
    )


def test_arrays_are_kept_as_they_are() -> None:
    value = {"foo": ["bar", {"baz": {"lfg": "lfg"}}]}
    assert flatten().apply(SourceRecord("topic", value)).value == value, (
        "expected arrays untouched, schemaless"
    )
    nested = struct_schema(None, ("lfg", STRING_SCHEMA))
    inner = struct_schema(None, ("baz", nested))
    array = Schema(SchemaType.ARRAY, doc="durk", value_schema=inner)
    schema = struct_schema(None, ("foo", array))
    struct = {"foo": [{"baz": {"lfg": "lfg"}}]}
    result = flatten().apply(SourceRecord("topic", struct, value_schema=schema))
    assert result.value == struct and result.value_schema == schema, (
        "expected the array field and schema kept"
    )


def test_optional_and_default_values_of_nested_structs_reach_the_flattened_fields() -> None:
    child_fields = (
        Field("req_field", STRING_SCHEMA),
        Field("opt_field", Schema(SchemaType.STRING, optional=True, default="child_default")),
    )
    schema = Schema(
        SchemaType.STRUCT,
        optional=True,
        fields=child_fields,
        default={"req_field": "req_default", "opt_field": None},
    )
    result = flatten().apply(
        SourceRecord("topic", {"req_field": None, "opt_field": None}, value_schema=schema)
    )
    assert result.value_schema is not None, "expected a flattened schema"
    assert result.value_schema.fields == (
        Field("req_field", Schema(SchemaType.STRING, optional=True, default="req_default")),
        Field("opt_field", Schema(SchemaType.STRING, optional=True, default="child_default")),
    ), f"expected both fields optional with the parent's and the field's default, got {result.value_schema}"
    assert result.value_schema.optional is False, (
        "expected the flattened top-level schema required, as Kafka's"
    )


def test_flattened_schema_keeps_top_level_metadata_and_is_cached() -> None:
    schema = Schema(
        SchemaType.STRUCT, name="n", version=3, doc="d", parameters=(("p", "v"),),
        fields=(Field("a", struct_schema(None, ("b", INT32_SCHEMA))),),
    )  # fmt: skip
    smt = flatten()
    first = smt.apply(SourceRecord("t", {"a": {"b": 1}}, value_schema=schema)).value_schema
    second = smt.apply(SourceRecord("t", {"a": {"b": 2}}, value_schema=schema)).value_schema
    assert first == Schema(
        SchemaType.STRUCT,
        name="n",
        version=3,
        doc="d",
        parameters=(("p", "v"),),
        fields=(Field("a.b", INT32_SCHEMA),),
    ), f"expected name, version, doc and parameters kept, got {first}"
    assert first is second, "expected the updated schema to be cached"


def test_map_and_struct_with_null_fields_keep_them() -> None:
    value = {"firstNull": None, "firstNonNull": "nonNull", "secondNull": None, "secondNonNull": "alsoNonNull"}
    assert flatten().apply(SourceRecord("test", value)).value == value, "expected null map entries kept"
    schema = struct_schema(None, *((name, OPTIONAL_STRING_SCHEMA) for name in value))
    result = flatten().apply(SourceRecord("test", value, value_schema=schema))
    assert result.value == value and list(result.value) == list(value), "expected null fields kept in order"


def test_null_field_reads_as_its_default() -> None:
    schema = struct_schema(None, ("a", struct_schema(None, ("b", Schema(SchemaType.INT32, default=7)))))
    result = flatten().apply(SourceRecord("t", {"a": {"b": None}}, value_schema=schema))
    assert result.value == {"a.b": 7}, (
        f"expected the field's default 7, as Kafka's Struct.get, got {result.value}"
    )


def test_input_is_not_modified() -> None:
    value = {"a": {"b": 1}}
    flatten().apply(SourceRecord("t", value))
    assert value == {"a": {"b": 1}}, "expected the input map untouched"


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (
            struct_schema(
                None, ("m", Schema(SchemaType.MAP, key_schema=STRING_SCHEMA, value_schema=STRING_SCHEMA))
            ),
            {"m": {}},
            "Flatten transformation does not support MAP for record with schemas (for field m).",
        ),
        (
            struct_schema(None, ("a.b", INT32_SCHEMA), ("a", struct_schema(None, ("b", INT32_SCHEMA)))),
            {"a.b": 1, "a": {"b": 2}},
            "Cannot create field because of field name duplication a.b",
        ),
        (
            struct_schema(None, ("a", struct_schema(None, ("b", INT32_SCHEMA)))),
            {"a": {"b": None}},
            'Invalid value: null used for required field: "a.b", schema type: INT32',
        ),
        (None, {"a": {"b": object()}}, "Flatten transformation was passed a value of type class object"),
    ],
    ids=["map-with-schema", "duplicate-name", "null-in-required", "unsupported-class"],
)
def test_unsupported_data_is_refused_with_kafkas_message(
    schema: Schema | None, value: Any, message: str
) -> None:
    with pytest.raises(DataError) as error:
        flatten().apply(SourceRecord("t", value, value_schema=schema))
    assert str(error.value).startswith(message), f"expected {message!r}, got {error.value}"
