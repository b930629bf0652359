"""String, ByteArray and JSON converters: round trips, Kafka's JSON envelope, clear errors on bad bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api import DataError
from connectd.api.schema import (
    BYTES_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaType,
    struct_schema,
)
from connectd.runtime.converters import ByteArrayConverter, JsonConverter, StringConverter

TOPIC = "t"


def json_converter(schemas_enable: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": str(schemas_enable).lower()}, is_key=False)
    return converter


@given(st.text())
def test_string_round_trip(text: str) -> None:
    converter = StringConverter()
    converter.configure({}, is_key=False)
    data = converter.from_connect(TOPIC, STRING_SCHEMA, text)
    assert data == text.encode("utf-8"), "expected the UTF-8 bytes of the text"
    assert converter.to_connect(TOPIC, data).value == text, "expected the text back"


def test_string_null_and_encoding() -> None:
    converter = StringConverter()
    converter.configure({"converter.encoding": "latin-1"}, is_key=True)
    assert converter.from_connect(TOPIC, None, None) is None, "expected null to stay null"
    assert converter.to_connect(TOPIC, None).value is None, "expected no bytes to read as null"
    assert converter.from_connect(TOPIC, None, "é") == b"\xe9", "expected latin-1 bytes"


def test_string_bad_bytes_name_topic_and_encoding() -> None:
    converter = StringConverter()
    converter.configure({}, is_key=False)
    with pytest.raises(DataError, match=r"topic t as UTF-8"):
        converter.to_connect(TOPIC, b"\xff\xfe")


@given(st.binary())
def test_byte_array_round_trip(data: bytes) -> None:
    converter = ByteArrayConverter()
    back = converter.to_connect(TOPIC, converter.from_connect(TOPIC, BYTES_SCHEMA, data)).value
    assert back == data, "expected the same bytes back"


def test_byte_array_refuses_other_types() -> None:
    with pytest.raises(DataError, match="not compatible with objects of type str"):
        ByteArrayConverter().from_connect(TOPIC, None, "text")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_json_schemaless_round_trip(value: Any) -> None:
    converter = json_converter(schemas_enable=False)
    data = converter.from_connect(TOPIC, None, value)
    if value is None:
        assert data is None, "expected a tombstone for null"
        return
    assert json.loads(data) == value, "expected plain JSON of the value"
    assert converter.to_connect(TOPIC, data).value == value, "expected the value back"


PERSON = struct_schema(
    "Person", ("name", STRING_SCHEMA), ("age", INT64_SCHEMA), ("nick", OPTIONAL_STRING_SCHEMA)
)


@given(st.text(), st.integers(-(2**63), 2**63 - 1), st.none() | st.text())
def test_json_envelope_round_trip_with_struct_schema(name: str, age: int, nick: str | None) -> None:
    converter = json_converter(schemas_enable=True)
    value = {"name": name, "age": age, "nick": nick}
    data = converter.from_connect(TOPIC, PERSON, value)
    back = converter.to_connect(TOPIC, data)
    assert back.value == value, "expected the struct back"
    assert back.schema is not None and back.schema.type is SchemaType.STRUCT, "expected a struct schema"
    assert [f.name for f in back.schema.fields] == ["name", "age", "nick"], "expected the fields in order"


def test_json_envelope_matches_kafka_format() -> None:
    data = json_converter(schemas_enable=True).from_connect(TOPIC, STRING_SCHEMA, "hello")
    assert json.loads(data) == {"schema": {"type": "string", "optional": False}, "payload": "hello"}, (
        "expected Kafka's envelope"
    )
    schemaless = json_converter(schemas_enable=True).from_connect(TOPIC, None, {"a": 1})
    assert json.loads(schemaless) == {"schema": None, "payload": {"a": 1}}, "expected a null schema"


def test_json_bytes_travel_as_base64() -> None:
    converter = json_converter(schemas_enable=True)
    data = converter.from_connect(TOPIC, BYTES_SCHEMA, b"\x00\x01")
    assert json.loads(data)["payload"] == "AAE=", "expected base64"
    assert converter.to_connect(TOPIC, data).value == b"\x00\x01", "expected the bytes back"


@pytest.mark.parametrize(
    ("schemas_enable", "data", "expected"),
    [
        (False, b"{not json", "serialization error of topic t"),
        (True, b'{"payload": 1}', "schemas.enable"),
        (True, b'{"schema": {"type": "int64", "optional": false}, "payload": "x"}', "INT64"),
        (True, b'{"schema": {"type": "nope"}, "payload": 1}', "Unknown schema type"),
    ],
)
def test_json_bad_bytes_give_a_clear_error(schemas_enable: bool, data: bytes, expected: str) -> None:
    with pytest.raises(DataError, match=expected):
        json_converter(schemas_enable).to_connect(TOPIC, data)


def test_json_value_not_matching_schema_is_refused() -> None:
    with pytest.raises(DataError):
        json_converter(schemas_enable=True).from_connect(TOPIC, Schema(SchemaType.INT32), "not an int")


def test_json_float_schemas_use_kafkas_type_names() -> None:
    converter = json_converter(schemas_enable=True)
    for type_, name in ((SchemaType.FLOAT32, "float"), (SchemaType.FLOAT64, "double")):
        data = converter.from_connect(TOPIC, Schema(type_), 12.5)
        assert data == f'{{"schema":{{"type":"{name}","optional":false}},"payload":12.5}}'.encode(), (
            f"expected Kafka's type name {name!r} for {type_}, got {data!r}"
        )
        back = converter.to_connect(TOPIC, data)
        assert back.schema == Schema(type_) and back.value == 12.5, f"expected {type_} 12.5 back, got {back}"


def test_json_schemaless_map_with_non_string_keys_is_a_list_of_pairs() -> None:
    data = json_converter(schemas_enable=True).from_connect(TOPIC, None, {"string": 12, 52: "string"})
    assert json.loads(data) == {"schema": None, "payload": [["string", 12], [52, "string"]]}, (
        "expected Kafka's [key, value] pairs for a map with a non-string key"
    )


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ('{"optional": true}', "Schema must contain 'type' field"),
        ('{"type": "array"}', "Array schema did not specify the element type"),
        ('{"type": "map", "values": {"type": "int32"}}', "Map schema did not specify the key type"),
        ('{"type": "struct", "fields": {}}', 'Struct schema\'s "fields" argument is not an array.'),
        (
            '{"type": "struct", "fields": [{"type": "int32"}]}',
            "Struct schema's field name not specified properly",
        ),
        ('{"type": "int32", "parameters": {"a": 1}}', "Schema parameters must have string values."),
    ],
)
def test_json_bad_schemas_give_kafkas_errors(schema: str, message: str) -> None:
    data = f'{{"schema": {schema}, "payload": null}}'.encode()
    with pytest.raises(DataError) as error:
        json_converter(schemas_enable=True).to_connect(TOPIC, data)
    assert str(error.value) == message, f"expected {message!r}, got {error.value}"


def test_json_value_of_the_wrong_type_names_its_class() -> None:
    with pytest.raises(DataError, match="Invalid type for INT32: class str"):
        json_converter(schemas_enable=True).from_connect(TOPIC, Schema(SchemaType.INT32), "not an int")
