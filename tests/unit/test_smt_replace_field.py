"""ReplaceField$Key/$Value: Kafka's ReplaceFieldTest cases, the renames validator, the deprecated
blacklist/whitelist names, and V2 paths."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.errors import ConfigError, DataError
from connectd.api.records import SinkRecord
from connectd.api.schema import (
    BOOLEAN_SCHEMA,
    INT32_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaType,
    struct_schema,
)
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

FLAT = struct_schema(
    None, ("dont", STRING_SCHEMA), ("abc", INT32_SCHEMA), ("foo", BOOLEAN_SCHEMA), ("etc", STRING_SCHEMA)
)
FLAT_VALUE = {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}
V2 = {"field.syntax.version": "V2"}


def value_xform(**config: Any) -> ReplaceFieldValue:
    xform = ReplaceFieldValue()
    xform.configure(config)
    return xform


def record(value: Any, schema: Schema | None = None) -> SinkRecord:
    return SinkRecord("test", 0, 0, value, value_schema=schema)


@pytest.mark.parametrize("schema", [None, FLAT])
def test_tombstone(schema: Schema | None) -> None:
    tombstone = record(None, schema)
    result = value_xform(include="abc,foo", renames="abc:xyz,foo:bar").apply(tombstone)
    assert (result.value, result.value_schema) == (None, schema), "a null value passes through unchanged"


def test_schemaless() -> None:
    result = value_xform(exclude="dont", renames="abc:xyz,foo:bar").apply(record(dict(FLAT_VALUE)))
    assert result.value == {"xyz": 42, "bar": True, "etc": "etc"}, "excluded dropped, others renamed"


def test_with_schema() -> None:
    source = record(dict(FLAT_VALUE), FLAT)
    result = value_xform(include="abc,foo", renames="abc:xyz,foo:bar").apply(source)
    assert [(f.name, f.schema) for f in result.value_schema.fields] == [
        ("xyz", INT32_SCHEMA),
        ("bar", BOOLEAN_SCHEMA),
    ], "only included fields remain, renamed"
    assert result.value == {"xyz": 42, "bar": True}
    assert source.value == FLAT_VALUE, "the input value is not mutated"


def test_exclude_wins_over_include_and_filters_use_old_names() -> None:
    result = value_xform(include="abc,foo", exclude="foo", renames="abc:foo").apply(record(dict(FLAT_VALUE)))
    assert result.value == {"foo": 42}, "foo is excluded by its old name; abc is renamed to foo"


@pytest.mark.parametrize(("replace", "expected"), [(False, None), (True, 42)])
def test_replace_null_with_default(replace: bool, expected: int | None) -> None:
    schema = struct_schema(None, ("abc", Schema(SchemaType.INT32, optional=True, default=42)))
    config = {
        "include": "abc",
        "renames": "abc:optional_with_default",
        "replace.null.with.default": str(replace),
    }
    result = value_xform(**config).apply(record({"abc": None}, schema))
    assert result.value == {"optional_with_default": expected}, f"replace.null.with.default={replace}"
    key_xform = ReplaceFieldKey()
    key_xform.configure(config)
    key_result = key_xform.apply(SinkRecord("test", 0, 0, None, key={"abc": None}, key_schema=schema))
    assert key_result.key == {"optional_with_default": expected}, f"same on the key, {replace}"


def test_schema_is_cached_and_rebuilt_as_kafka_does() -> None:
    optional = struct_schema("n", ("a", INT32_SCHEMA), optional=True)
    xform = value_xform(renames="a:b")
    first = xform.apply(record({"a": 1}, optional)).value_schema
    assert xform.apply(record({"a": 2}, optional)).value_schema is first, "the updated schema is cached"
    assert (first.name, first.optional) == ("n", False), "basics copied; the rebuilt struct is required"


def test_rename_collision_with_a_schema_fails() -> None:
    with pytest.raises(DataError, match=r"^Cannot create field because of field name duplication etc$"):
        value_xform(renames="abc:etc").apply(record(dict(FLAT_VALUE), FLAT))


def test_wrong_value_types() -> None:
    with pytest.raises(
        DataError, match=r"^Only Map objects supported in absence of schema for \[field replacement\]"
    ):
        value_xform(exclude="a").apply(record("text"))
    with pytest.raises(
        DataError, match=r"^Only Struct objects supported for \[field replacement\], found: str$"
    ):
        value_xform(exclude="a").apply(record("text", STRING_SCHEMA))


@pytest.mark.parametrize(
    ("renames", "bad"),
    [("abc:xyz,foo", "foo"), ("a:b:c", "a:b:c"), ("a:", "a:"), ("::", "::"), ("a::b", "a::b")],
)
def test_renames_validator(renames: str, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        value_xform(renames=renames)
    shown = "[" + ", ".join(renames.split(",")) + "]"
    assert (
        str(caught.value) == f"Invalid value {shown} for configuration renames: Invalid rename mapping: {bad}"
    )


def test_renames_split_like_java() -> None:
    # Java's split drops trailing empty parts: "a:b:" is the pair (a, b); ":b" renames the field "".
    assert value_xform(renames="a:b:").apply(record({"a": 1})).value == {"b": 1}
    assert value_xform(renames=":b").apply(record({"": 1})).value == {"b": 1}


def test_deprecated_blacklist_and_whitelist() -> None:
    excluded = value_xform(blacklist="dont", renames="abc:xyz,foo:bar").apply(record(dict(FLAT_VALUE)))
    assert excluded.value == {"xyz": 42, "bar": True, "etc": "etc"}, "blacklist reads as exclude"
    included = value_xform(whitelist="abc,foo").apply(record(dict(FLAT_VALUE)))
    assert included.value == {"abc": 42, "foo": True}, "whitelist reads as include"
    both = value_xform(exclude="etc", blacklist="dont").apply(record(dict(FLAT_VALUE)))
    assert both.value == {"dont": "whatever", "abc": 42, "foo": True}, "the new key wins over the old one"
    assert "blacklist" not in ReplaceFieldValue.config_def().names(), "Kafka 4.x no longer defines them"


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(), max_size=6),
    st.sets(st.sampled_from("abcdef")),
)
def test_exclude_then_include_everything_left_is_identity(value: dict[str, int], excluded: set[str]) -> None:
    config: dict[str, str] = {"exclude": ",".join(sorted(excluded))} if excluded else {}
    result = value_xform(**config).apply(record(value)).value
    assert result == {k: v for k, v in value.items() if k not in excluded}, "exclude drops exactly its names"
    if result:
        again = value_xform(include=",".join(result)).apply(record(result)).value
        assert again == result, "including every remaining field changes nothing"


# --- V2 paths ------------------------------------------------------------------------------------

ADDRESS = struct_schema("Address", ("city", STRING_SCHEMA), ("zip", STRING_SCHEMA), optional=True)
PERSON = struct_schema("Person", ("name", STRING_SCHEMA), ("address", ADDRESS), ("age", INT32_SCHEMA))
PERSON_VALUE = {"name": "Franz", "address": {"city": "Prague", "zip": "110 00"}, "age": 40}


def test_v2_exclude_nested() -> None:
    xform = value_xform(exclude="address.zip", **V2)
    result = xform.apply(record(PERSON_VALUE, PERSON))
    address = result.value_schema.field("address").schema
    assert [f.name for f in address.fields] == ["city"], "the nested field is dropped from the schema"
    assert (address.name, address.optional) == ("Address", True), (
        "the nested struct keeps name and optionality"
    )
    assert result.value == {"name": "Franz", "address": {"city": "Prague"}, "age": 40}
    assert PERSON_VALUE["address"] == {"city": "Prague", "zip": "110 00"}, "the input is not mutated"
    assert xform.apply(record(dict(PERSON_VALUE))).value == {
        "name": "Franz",
        "address": {"city": "Prague"},
        "age": 40,
    }, "schemaless alike"


def test_v2_include_nested_keeps_only_the_path() -> None:
    result = value_xform(include="name,address.city", **V2).apply(record(PERSON_VALUE, PERSON))
    assert [f.name for f in result.value_schema.fields] == ["name", "address"], "age is not included"
    assert result.value == {"name": "Franz", "address": {"city": "Prague"}}, "address keeps only city"
    whole = value_xform(include="address,address.city", exclude="address.zip", **V2)
    assert whole.apply(record(dict(PERSON_VALUE))).value == {"address": {"city": "Prague"}}, (
        "an included parent keeps its content, minus what exclude drops"
    )


def test_v2_rename_nested() -> None:
    for renames in ("address.city:town", "address.city:address.town"):
        result = value_xform(renames=renames, **V2).apply(record(PERSON_VALUE, PERSON))
        assert [f.name for f in result.value_schema.field("address").schema.fields] == ["town", "zip"]
        assert result.value["address"] == {"town": "Prague", "zip": "110 00"}, f"{renames} renames in place"
    with pytest.raises(ConfigError) as caught:
        value_xform(renames="address.city:name.town", **V2)
    assert caught.value.name == "renames", "moving a field to another parent is refused"


def test_v2_null_parent_and_nested_default() -> None:
    nested = Schema(
        SchemaType.STRUCT, optional=True, fields=ADDRESS.fields, default={"city": "?", "zip": "?"}
    )
    schema = struct_schema(None, ("address", nested))
    result = value_xform(exclude="address.zip", **V2).apply(record({"address": None}, schema))
    assert result.value_schema.field("address").schema.default == {"city": "?"}, "the default is reshaped"
    assert result.value == {"address": {"city": "?"}}, "a null struct reads as its (reshaped) default"
    keep_null = value_xform(exclude="address.zip", **V2, **{"replace.null.with.default": "false"})
    assert keep_null.apply(record({"address": None}, schema)).value == {"address": None}, "or stays null"


def test_v2_backticks_and_paths_through_non_structs() -> None:
    value = {"a.b": {"c": 1, "d": 2}, "a": 5}
    result = value_xform(exclude="`a.b`.c,a.x", **V2).apply(record(value))
    assert result.value == {"a.b": {"d": 2}, "a": 5}, (
        "a backticked step is one name; a.x through an int is ignored"
    )
    assert value_xform(exclude="a.b", **V2).apply(record({"a.b": 1, "a": {"b": 2}})).value == {
        "a.b": 1,
        "a": {},
    }, "with V2 a.b is nested; the root field 'a.b' needs backticks"
    assert value_xform(exclude="a.b").apply(record({"a.b": 1, "a": {"b": 2}})).value == {"a": {"b": 2}}, (
        "with V1 a.b is the root field 'a.b'"
    )


def test_v2_bad_path_names_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        value_xform(include="`a", **V2)
    assert caught.value.name == "include", "an unclosed backtick names the key"


def test_plugin_metadata() -> None:
    assert ReplaceFieldValue().version() == BUILTIN_VERSION
    assert ReplaceFieldKey.aliases == ("org.apache.kafka.connect.transforms.ReplaceField$Key",)
    assert ReplaceFieldValue.aliases == ("org.apache.kafka.connect.transforms.ReplaceField$Value",)
    assert ReplaceFieldValue.config_def().names() == [
        "exclude",
        "include",
        "renames",
        "replace.null.with.default",
        "field.syntax.version",
    ], "Kafka's keys, in order, plus field.syntax.version"
