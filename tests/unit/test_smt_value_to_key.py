"""ValueToKey: Kafka's ValueToKeyTest cases, including the V2 cases of KAFKA-14228 (nested
ValueToKey: key fields named by the configured path text)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.errors import ConfigError, DataError, MissingConfigError
from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import INT32_SCHEMA, STRING_SCHEMA, Schema, SchemaType, struct_schema
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.value_to_key import ValueToKey

V2 = {"field.syntax.version": "V2"}


def xform(**config: Any) -> ValueToKey:
    transformation = ValueToKey()
    transformation.configure(config)
    return transformation


def record(value: Any, schema: Schema | None = None) -> SinkRecord:
    return SinkRecord("", 0, 0, value, value_schema=schema, key="old")


def test_schemaless() -> None:
    result = xform(fields="a,b").apply(record({"a": 1, "b": 2, "c": 3}))
    assert (result.key_schema, result.key) == (None, {"a": 1, "b": 2}), "the key holds the listed fields"
    assert result.value == {"a": 1, "b": 2, "c": 3}, "the value is left as it is"


def test_with_schema() -> None:
    schema = struct_schema(None, ("a", INT32_SCHEMA), ("b", INT32_SCHEMA), ("c", INT32_SCHEMA))
    xf = xform(fields="a,b")
    result = xf.apply(record({"a": 1, "b": 2, "c": 3}, schema))
    assert result.key_schema == struct_schema(None, ("a", INT32_SCHEMA), ("b", INT32_SCHEMA)), (
        "a plain struct"
    )
    assert result.key == {"a": 1, "b": 2}
    assert xf.apply(record({"a": 4, "b": 5, "c": 6}, schema)).key_schema is result.key_schema, "cached schema"


def test_non_existing_field_with_schema() -> None:
    schema = struct_schema(None, ("a", INT32_SCHEMA))
    with pytest.raises(DataError, match=r"^Field does not exist: not_exist$"):
        xform(fields="not_exist").apply(record({"a": 1}, schema))


@pytest.mark.parametrize(("replace", "expected"), [(False, None), (True, 42)])
def test_replace_null_with_default(replace: bool, expected: int | None) -> None:
    schema = struct_schema(
        None, ("optional_with_default", Schema(SchemaType.INT32, optional=True, default=42))
    )
    config = {"fields": "optional_with_default", "replace.null.with.default": str(replace)}
    result = xform(**config).apply(record({"optional_with_default": None}, schema))
    assert result.key == {"optional_with_default": expected}, f"replace.null.with.default={replace}"


def test_works_on_source_records_and_errors_on_wrong_types() -> None:
    result = xform(fields="a").apply(SourceRecord("t", {"a": 1}))
    assert result.key == {"a": 1}, "source records are handled alike"
    with pytest.raises(
        DataError, match=r"^Only Map objects supported in absence of schema for \[copying fields"
    ):
        xform(fields="a").apply(record(None))
    with pytest.raises(
        DataError, match=r"^Only Struct objects supported for \[copying fields from value to key\]"
    ):
        xform(fields="a").apply(record(5, INT32_SCHEMA))


def test_duplicate_field_with_schema() -> None:
    schema = struct_schema(None, ("a", INT32_SCHEMA))
    with pytest.raises(DataError, match=r"^Cannot create field because of field name duplication a$"):
        xform(fields="a,a").apply(record({"a": 1}, schema))


def test_config_errors() -> None:
    with pytest.raises(MissingConfigError):
        xform()
    with pytest.raises(ConfigError, match=r"^Invalid value \[\] for configuration fields: Empty list$"):
        xform(fields="")
    with pytest.raises(ConfigError) as caught:
        xform(fields="a,`b", **V2)
    assert caught.value.name == "fields", "a bad V2 path names the fields key"


@given(st.dictionaries(st.sampled_from("abcde"), st.integers(), min_size=1), st.data())
def test_key_holds_exactly_the_listed_fields(value: dict[str, int], data: st.DataObject) -> None:
    names = data.draw(st.lists(st.sampled_from("abcdefg"), min_size=1, unique=True))
    key = xform(fields=",".join(names)).apply(record(value)).key
    assert key == {n: value.get(n) for n in names}, "one key entry per listed field, null when absent"


# --- V2 paths (KAFKA-14228) ------------------------------------------------------------------------

ADDRESS = struct_schema(None, ("city", STRING_SCHEMA), ("state", STRING_SCHEMA))
PERSON = struct_schema(None, ("name", STRING_SCHEMA), ("address", ADDRESS))
PERSON_VALUE = {"name": "Franz", "address": {"city": "New York", "state": "NY"}}


def test_v2_schemaless_nested_field() -> None:
    result = xform(fields="name,address.city", **V2).apply(record(PERSON_VALUE))
    assert result.key == {"name": "Franz", "address.city": "New York"}, "the key field is named by the path"


def test_v2_with_schema_nested_fields() -> None:
    result = xform(fields="name,address.city", **V2).apply(record(PERSON_VALUE, PERSON))
    assert result.key_schema == struct_schema(None, ("name", STRING_SCHEMA), ("address.city", STRING_SCHEMA))
    assert result.key == {"name": "Franz", "address.city": "New York"}
    both = xform(fields="address.city,address.state", **V2).apply(record(PERSON_VALUE, PERSON))
    assert both.key == {"address.city": "New York", "address.state": "NY"}, "two fields of one parent"


def test_v2_missing_nested_field() -> None:
    with pytest.raises(DataError, match=r"^Field does not exist: address.zip$"):
        xform(fields="address.zip", **V2).apply(record(PERSON_VALUE, PERSON))
    result = xform(fields="address.zip", **V2).apply(record({"address": {"city": "New York"}}))
    assert result.key == {"address.zip": None}, "schemaless, a missing field reads as null"


def test_v2_nested_struct_to_key() -> None:
    child = struct_schema(None, ("k2", STRING_SCHEMA))
    parent = struct_schema(None, ("child", child))
    schema = struct_schema(None, ("k1", INT32_SCHEMA), ("parent", parent))
    value = {"k1": 123, "parent": {"child": {"k2": "123"}}}
    result = xform(fields="parent.child", **V2).apply(record(value, schema))
    assert result.key_schema == struct_schema(None, ("parent.child", child)), "the struct field's schema"
    assert result.key == {"parent.child": {"k2": "123"}}
    assert xform(fields="parent.child", **V2).apply(record(value)).key == {"parent.child": {"k2": "123"}}


def test_v2_backticked_field_name() -> None:
    inner = struct_schema(None, ("k2", STRING_SCHEMA))
    schema = struct_schema(None, ("k1", INT32_SCHEMA), ("parent.child", inner))
    value = {"k1": 123, "parent.child": {"k2": "123"}}
    result = xform(fields="`parent.child`.k2", **V2).apply(record(value, schema))
    assert result.key_schema == struct_schema(None, ("`parent.child`.k2", STRING_SCHEMA)), (
        "named as configured"
    )
    assert result.key == {"`parent.child`.k2": "123"}
    assert xform(fields="`parent.child`.k2", **V2).apply(record(value)).key == {"`parent.child`.k2": "123"}


def test_v1_dotted_field_name_is_literal() -> None:
    schema = struct_schema(None, ("address.city", STRING_SCHEMA))
    result = xform(fields="address.city").apply(record({"address.city": "New York"}, schema))
    assert result.key == {"address.city": "New York"}, "V1 (the default) reads the root field 'address.city'"


def test_plugin_metadata() -> None:
    assert ValueToKey().version() == BUILTIN_VERSION
    assert ValueToKey.aliases == ("org.apache.kafka.connect.transforms.ValueToKey",)
    assert ValueToKey.config_def().names() == ["fields", "replace.null.with.default", "field.syntax.version"]
