"""HoistField wraps the key or value in a one-field struct or map (Kafka's HoistFieldTest cases and the
documented FileStreamSource example)."""

from __future__ import annotations

import pytest

from connectd.api import ConfigError, DataError
from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Field, Schema, SchemaType
from connectd.transforms.hoist_field import HoistField, HoistFieldKey, HoistFieldValue


def hoist(cls: type[HoistField], field: str = "magic") -> HoistField:
    smt = cls()
    smt.configure({"field": field})
    return smt


def test_schemaless_key_becomes_a_map() -> None:
    result = hoist(HoistFieldKey).apply(SinkRecord("test", 0, 0, None, key=42))
    assert result.key_schema is None and result.key == {"magic": 42}, (
        f"expected {{'magic': 42}}, got {result.key}"
    )


def test_key_with_schema_becomes_a_struct_holding_the_original_schema() -> None:
    result = hoist(HoistFieldKey).apply(SinkRecord("test", 0, 0, None, key=42, key_schema=INT32_SCHEMA))
    assert result.key_schema == Schema(SchemaType.STRUCT, fields=(Field("magic", INT32_SCHEMA),)), (
        f"expected struct{{magic: int32}}, got {result.key_schema}"
    )
    assert result.key == {"magic": 42}, f"expected the struct {{'magic': 42}}, got {result.key}"


def test_documented_file_source_example_makes_each_line_a_field() -> None:
    # Kafka's docs: transforms.MakeMap.type=...HoistField$Value, transforms.MakeMap.field=line
    smt = hoist(HoistFieldValue, "line")
    schemaless = smt.apply(SourceRecord("connect-test", "foo"))
    assert schemaless.value == {"line": "foo"}, f"expected {{'line': 'foo'}}, got {schemaless.value}"
    with_schema = smt.apply(SourceRecord("connect-test", "foo", value_schema=STRING_SCHEMA))
    assert with_schema.value == {"line": "foo"} and with_schema.value_schema is not None, (
        "expected a line struct"
    )
    assert with_schema.value_schema.field("line") == Field("line", STRING_SCHEMA), (
        "expected field line: string"
    )


def test_updated_schema_is_cached_and_the_input_untouched() -> None:
    smt = hoist(HoistFieldValue)
    first = smt.apply(SinkRecord("t", 0, 0, "a", value_schema=STRING_SCHEMA))
    second = smt.apply(SinkRecord("t", 0, 1, "b", value_schema=STRING_SCHEMA))
    assert first.value_schema is second.value_schema, "expected the same cached schema object"
    original = SinkRecord("t", 0, 0, "v", key="k")
    smt.apply(original)
    assert original.value == "v" and original.key == "k", "expected the input record unchanged"


def test_null_value_is_hoisted_when_allowed() -> None:
    smt = hoist(HoistFieldValue)
    assert smt.apply(SinkRecord("t", 0, 0, None)).value == {"magic": None}, (
        "expected {'magic': None} schemaless"
    )
    result = smt.apply(SinkRecord("t", 0, 0, None, value_schema=OPTIONAL_STRING_SCHEMA))
    assert result.value == {"magic": None}, "expected a struct with a null optional field"


def test_null_value_with_required_schema_is_refused_as_kafkas_struct_refuses_it() -> None:
    with pytest.raises(DataError) as error:
        hoist(HoistFieldValue).apply(SinkRecord("t", 0, 0, None, value_schema=INT32_SCHEMA))
    expected = 'Invalid value: null used for required field: "magic", schema type: INT32'
    assert str(error.value) == expected, f"expected {expected!r}, got {error.value}"


def test_field_is_required() -> None:
    with pytest.raises(ConfigError, match='Missing required configuration "field"'):
        HoistFieldValue().configure({})
