"""ExtractField$Key/$Value: Kafka's ExtractFieldTest cases, plus V2 paths on the value side."""

from __future__ import annotations

from typing import Any

import pytest

from connectd.api.errors import ConfigError, DataError, MissingConfigError
from connectd.api.records import SinkRecord
from connectd.api.schema import INT32_SCHEMA, STRING_SCHEMA, Schema, SchemaType, struct_schema
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.extract_field import ExtractFieldKey, ExtractFieldValue


def key_xform(**config: Any) -> ExtractFieldKey:
    xform = ExtractFieldKey()
    xform.configure(config)
    return xform


def value_xform(**config: Any) -> ExtractFieldValue:
    xform = ExtractFieldValue()
    xform.configure(config)
    return xform


def key_record(key: Any, schema: Schema | None = None) -> SinkRecord:
    return SinkRecord("test", 0, 0, None, key=key, key_schema=schema)


V2 = {"field.syntax.version": "V2"}


def test_schemaless() -> None:
    result = key_xform(field="magic").apply(key_record({"magic": 42}))
    assert (result.key_schema, result.key) == (None, 42), "the map entry becomes the key"


def test_schemaless_nested_path() -> None:
    result = key_xform(field="magic.foo", **V2).apply(key_record({"magic": {"foo": 42}}))
    assert (result.key_schema, result.key) == (None, 42), "V2 reads the nested entry"


def test_schemaless_null_passes_through() -> None:
    result = key_xform(field="magic").apply(key_record(None))
    assert (result.key_schema, result.key) == (None, None), "a null key stays null"


def test_with_schema() -> None:
    schema = struct_schema(None, ("magic", INT32_SCHEMA))
    result = key_xform(field="magic").apply(key_record({"magic": 42}, schema))
    assert (result.key_schema, result.key) == (INT32_SCHEMA, 42), "the field's schema becomes the key's"


def test_with_schema_nested_path() -> None:
    foo = struct_schema(None, ("foo", INT32_SCHEMA))
    schema = struct_schema(None, ("magic", foo))
    result = key_xform(field="magic.foo", **V2).apply(key_record({"magic": {"foo": 42}}, schema))
    assert (result.key_schema, result.key) == (INT32_SCHEMA, 42), "V2 extracts the nested struct field"


def test_null_with_schema_keeps_the_field_schema() -> None:
    schema = struct_schema(None, ("magic", INT32_SCHEMA), optional=True)
    result = key_xform(field="magic").apply(key_record(None, schema))
    assert (result.key_schema, result.key) == (INT32_SCHEMA, None), "a null struct gives a null field"


def test_missing_field_schemaless_is_null() -> None:
    assert key_xform(field="nonexistent").apply(key_record({"magic": 42})).key is None, "missing reads null"
    result = key_xform(field="magic.nonexistent", **V2).apply(key_record({"magic": {"foo": 42}}))
    assert result.key is None, "a missing nested entry reads as null too"


def test_missing_field_with_schema_fails() -> None:
    schema = struct_schema(None, ("magic", INT32_SCHEMA))
    with pytest.raises(DataError, match=r"^Unknown field: nonexistent$"):
        key_xform(field="nonexistent").apply(key_record({"magic": 42}, schema))
    nested = struct_schema(None, ("magic", struct_schema(None, ("foo", INT32_SCHEMA))))
    with pytest.raises(DataError, match=r"^Unknown field: magic.nonexistent$"):
        key_xform(field="magic.nonexistent", **V2).apply(key_record({"magic": {"foo": 42}}, nested))


def test_v1_takes_a_dotted_name_literally() -> None:
    schema = struct_schema(None, ("magic.foo", STRING_SCHEMA))
    result = key_xform(field="magic.foo").apply(key_record({"magic.foo": "x"}, schema))
    assert result.key == "x", "V1 (the default) reads the field named 'magic.foo'"


def test_backtick_step_on_the_value() -> None:
    inner = struct_schema(None, ("k2", STRING_SCHEMA))
    schema = struct_schema(None, ("k1", INT32_SCHEMA), ("parent.child", inner))
    record = SinkRecord("t", 0, 0, {"k1": 1, "parent.child": {"k2": "123"}}, value_schema=schema, key="k")
    result = value_xform(field="`parent.child`.k2", **V2).apply(record)
    assert (result.value_schema, result.value) == (STRING_SCHEMA, "123"), "the backticked step is one name"
    assert result.key == "k", "the key is untouched by the $Value variant"
    assert record.value == {"k1": 1, "parent.child": {"k2": "123"}}, "the input record is not mutated"


@pytest.mark.parametrize(("replace", "expected"), [(False, None), (True, 42)])
def test_replace_null_with_default(replace: bool, expected: int | None) -> None:
    field_schema = Schema(SchemaType.INT32, optional=True, default=42)
    schema = struct_schema(None, ("optional_with_default", field_schema))
    config = {"field": "optional_with_default", "replace.null.with.default": str(replace).lower()}
    key_result = key_xform(**config).apply(key_record({"optional_with_default": None}, schema))
    assert key_result.key == expected, f"replace.null.with.default={replace} on the key"
    record = SinkRecord("t", 0, 0, {"optional_with_default": None}, value_schema=schema)
    assert value_xform(**config).apply(record).value == expected, f"replace.null.with.default={replace}"


def test_wrong_types_are_data_errors() -> None:
    with pytest.raises(
        DataError, match=r"^Only Map objects supported in absence of schema for \[field extraction\]"
    ):
        key_xform(field="a").apply(key_record(42))
    with pytest.raises(
        DataError, match=r"^Only Struct objects supported for \[field extraction\], found: int$"
    ):
        key_xform(field="a").apply(key_record(42, INT32_SCHEMA))


def test_config_errors() -> None:
    with pytest.raises(MissingConfigError, match='"field"'):
        key_xform()
    with pytest.raises(ConfigError) as caught:
        key_xform(field="`a.b", **V2)
    assert caught.value.name == "field", "an unclosed backtick names the field key"
    with pytest.raises(ConfigError) as caught:
        key_xform(field="a", **{"field.syntax.version": "V3"})
    assert caught.value.name == "field.syntax.version", "an unknown syntax version is refused"


def test_plugin_metadata() -> None:
    assert ExtractFieldKey().version() == BUILTIN_VERSION, "built-ins report the connectd version"
    assert ExtractFieldKey.aliases == ("org.apache.kafka.connect.transforms.ExtractField$Key",)
    assert ExtractFieldValue.aliases == ("org.apache.kafka.connect.transforms.ExtractField$Value",)
    names = ExtractFieldKey.config_def().names()
    assert names == ["field", "replace.null.with.default", "field.syntax.version"], "Kafka's keys, in order"
