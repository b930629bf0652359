"""KIP-821 field paths: V1/V2 parsing (Kafka's FieldPathNotationTest/SingleFieldPathTest cases),
reads and updates on structs and maps, and the helpers the field SMTs share."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.config import ConfigDef
from connectd.api.errors import ConfigError, DataError
from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import (
    INT32_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaType,
    struct_schema,
)
from connectd.transforms.field_path import (
    FIELD_SYNTAX_VERSION,
    FieldPath,
    FieldSyntaxVersion,
    SchemaCache,
    conform,
    copy_schema_basics,
    define_field_syntax,
    non_empty_list,
    plain_config_error,
    require_map,
    require_sink_record,
    require_struct,
    syntax_version,
)

V1, V2 = FieldSyntaxVersion.V1, FieldSyntaxVersion.V2


def v2(text: str) -> FieldPath:
    return FieldPath.parse(text, V2)


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`", "", "`x"])
def test_v1_is_always_one_step(text: str) -> None:
    assert FieldPath.parse(text, V1).steps == (text,), "V1 takes the whole text as the field name"


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("", ()),
        ("foobarbaz", ("foobarbaz",)),
        ("foo.bar.baz", ("foo", "bar", "baz")),
        # empty names between, before and after dots
        ("..", ("", "", "")),
        ("foo..", ("foo", "", "")),
        (".bar.", ("", "bar", "")),
        ("..baz", ("", "", "baz")),
        # backticks that do not wrap a step are part of the name
        ("foo`bar`baz", ("foo`bar`baz",)),
        # wrapping backticks
        ("`foo.bar.baz`", ("foo.bar.baz",)),
        ("foo.`bar.baz`", ("foo", "bar.baz")),
        ("`foo.bar`.baz", ("foo.bar", "baz")),
        ("foo.`bar`.baz", ("foo", "bar", "baz")),
        # backticks inside wrapped names
        ("foo.``bar.baz`", ("foo", "`bar.baz")),
        ("foo.`bar.baz``", ("foo", "bar.baz`")),
        ("foo.`ba`r.baz`", ("foo", "ba`r.baz")),
        ("foo.ba`r.baz", ("foo", "ba`r", "baz")),
        ("foo.``bar``.baz", ("foo", "`bar`", "baz")),
        ("``foo.bar.baz``", ("`foo.bar.baz`",)),
        # a backslash escapes a backtick in front of a dot (and is dropped)
        ("foo.`bar\\`.baz`", ("foo", "bar`.baz")),
        ("foo.`bar.`baz`", ("foo", "bar.`baz")),
        ("foo.`bar\\`.`baz`", ("foo", "bar`.`baz")),
        ("foo.`bar\\\\`.\\`baz`", ("foo", "bar\\`.\\`baz")),
    ],
)
def test_v2_steps(text: str, steps: tuple[str, ...]) -> None:
    assert v2(text).steps == steps, f"V2 {text!r} should split into {steps}"


@pytest.mark.parametrize(
    ("text", "position"),
    [("`foo.bar.baz", 0), ("foo.`bar.baz", 4), ("foo.bar.`baz", 8), ("foo.bar.`baz\\`", 8)],
)
def test_v2_incomplete_backticks_is_a_config_error(text: str, position: int) -> None:
    with pytest.raises(ConfigError) as caught:
        FieldPath.parse(text, V2, "fields")
    expected = (
        f"Incomplete backtick pair in path: [{text}], consider adding a backslash before backtick at "
        f"position {position} to escape it"
    )
    assert caught.value.reason == expected, "the reason should be Kafka's message"
    assert caught.value.name == "fields", "the error should name the config key that held the path"
    assert str(caught.value) == f"Invalid value {text} for configuration fields: {expected}"


def test_name_and_parent() -> None:
    path = v2("a.`b.c`.d")
    assert (path.parent, path.name) == (("a", "b.c"), "d"), "parent is every step but the last"
    assert (v2("").parent, v2("").name) == ((), ""), "an empty V2 path names the root field ''"


_STEP = st.text(alphabet="ab.`\\", max_size=6).filter(
    lambda s: not (("." in s or s.startswith("`")) and s.endswith("\\"))
)


@given(st.lists(_STEP, min_size=1, max_size=4).filter(lambda steps: steps != [""]))
def test_str_round_trips_through_v2_parsing(steps: list[str]) -> None:
    path = FieldPath(tuple(steps))
    assert v2(str(path)).steps == path.steps, f"{str(path)!r} should parse back to {steps}"


# --- the field.syntax.version key --------------------------------------------------------------


def test_field_syntax_version_definition() -> None:
    definition = define_field_syntax(ConfigDef())
    key = definition.keys[FIELD_SYNTAX_VERSION]
    assert key.default == "V1", "V1 is the default, so Kafka configs mean what they mean in Kafka"
    with pytest.raises(ValueError, match="Configuration field.syntax.version is defined twice."):
        define_field_syntax(definition)


@pytest.mark.parametrize(("given_", "version"), [("v1", V1), ("v2", V2), ("V1", V1), ("V2", V2)])
def test_field_syntax_version_is_case_insensitive(given_: str, version: FieldSyntaxVersion) -> None:
    parsed = define_field_syntax(ConfigDef()).parse({FIELD_SYNTAX_VERSION: given_})
    assert syntax_version(parsed) is version, f"{given_} should read as {version}"


@pytest.mark.parametrize("wrong", ["v3", "V 1", "v", "V 2", "2", "1"])
def test_field_syntax_version_rejects_other_values(wrong: str) -> None:
    with pytest.raises(ConfigError) as caught:
        define_field_syntax(ConfigDef()).parse({FIELD_SYNTAX_VERSION: wrong})
    assert str(caught.value) == (
        f"Invalid value {wrong} for configuration field.syntax.version: "
        "String must be one of (case insensitive): V1, V2"
    ), "the message should be Kafka's"


# --- reading -------------------------------------------------------------------------------------

BAR = struct_schema(None, ("bar", INT32_SCHEMA))
FOO = struct_schema(None, ("foo", BAR))
BAZ = struct_schema(None, ("inner", STRING_SCHEMA), optional=True)
BAR_BAZ = struct_schema(None, ("bar", INT32_SCHEMA), ("baz", BAZ))
FOO_BAR_BAZ = struct_schema(None, ("foo", BAR_BAZ))


def test_field_from_schema() -> None:
    assert v2("foo.bar").field_from(FOO) == BAR.field("bar"), "a nested field is found through its parent"
    assert v2("foo").field_from(FOO) == FOO.field("foo"), "a root field is found"
    for missing in ("un.known", "foo.unknown", "unknown"):
        assert v2(missing).field_from(FOO) is None, f"{missing} is not in the schema"
    assert v2("test").field_from(None) is None, "no schema has no fields"


def test_value_from_map() -> None:
    value = {"foo": {"bar": 42, "baz": None}}
    assert v2("foo.bar").value_from_map(value) == 42, "a nested map entry is read"
    for missing in ("foo.baz", "un.known", "foo.unknown", "unknown", "foo.baz.inner"):
        assert v2(missing).value_from_map(value) is None, f"{missing} should read as null"
    with pytest.raises(DataError, match=r"^Only Map objects supported in absence of schema for \[nested"):
        v2("foo.bar.x").value_from_map(value)


def test_value_from_struct() -> None:
    value = {"foo": {"bar": 42, "baz": None}}
    assert v2("foo.bar").value_from_struct(value, FOO_BAR_BAZ) == 42, "a nested struct field is read"
    for missing in ("foo.baz", "un.known", "foo.unknown", "unknown", "foo.baz.inner"):
        assert v2(missing).value_from_struct(value, FOO_BAR_BAZ) is None, f"{missing} should read as null"
    assert v2("foo").value_from(None, FOO) is None, "a null struct has null fields"
    assert v2("foo.bar").value_from(value, None) == 42, "without a schema the value is read as a map"


def test_value_from_struct_with_default() -> None:
    with_default = Schema(SchemaType.INT32, optional=True, default=7)
    parent = struct_schema(None, ("n", with_default))
    schema = struct_schema(None, ("p", parent), ("n", with_default))
    value = {"p": {"n": None}, "n": None}
    assert v2("n").value_from_struct(value, schema) == 7, "a null reads as the default by default"
    assert v2("n").value_from_struct(value, schema, with_default=False) is None, "unless told not to"
    assert v2("p.n").value_from_struct(value, schema, with_default=False) is None, "nested too"
    defaulted_parent = Schema(SchemaType.STRUCT, optional=True, fields=parent.fields, default={"n": 3})
    schema = struct_schema(None, ("p", defaulted_parent))
    assert v2("p.n").value_from_struct({"p": None}, schema, with_default=False) == 3, (
        "a null parent reads as its default, as Kafka's Struct.get does on the way"
    )


def test_value_from_struct_refuses_a_non_struct_parent() -> None:
    for schema in (struct_schema(None, ("p", INT32_SCHEMA)), struct_schema(None, ("p", FOO))):
        with pytest.raises(
            DataError, match=r"^Only Struct objects supported for \[nested field access\], found: int$"
        ):
            v2("p.x").value_from_struct({"p": 1}, schema)


# --- updating ------------------------------------------------------------------------------------


def _put(name: str, value: Any) -> Any:
    return lambda holder: holder.__setitem__(name, value)


def test_update_map_copies_the_path_and_leaves_the_input_alone() -> None:
    value = {"a": {"b": 1, "c": 2}, "d": {"e": 3}}
    updated = v2("a.b").update_map(value, _put("b", 10))
    assert updated == {"a": {"b": 10, "c": 2}, "d": {"e": 3}}, "the nested field is changed"
    assert value == {"a": {"b": 1, "c": 2}, "d": {"e": 3}}, "the input is not mutated"
    assert updated["d"] is value["d"], "branches off the path are shared, not copied"


def test_update_map_missing_and_null_parents() -> None:
    assert v2("x.y").update_map({"a": 1}, _put("y", 1)) == {"a": 1}, "no parent, no change"
    assert v2("x.y").update_map({"a": 1}, _put("y", 1), create=True) == {"a": 1, "x": {"y": 1}}, (
        "a missing parent is created when asked"
    )
    assert v2("x.y").update_map({"x": None}, _put("y", 1), create=True) == {"x": None}, (
        "a null parent stays null: filling it in would invent its content"
    )
    with pytest.raises(DataError, match="nested field access"):
        v2("x.y").update_map({"x": 5}, _put("y", 1))
    assert v2("x.y").update_struct({"x": {}}, _put("y", 1)) == {"x": {"y": 1}}, "structs update alike"


def test_update_schema() -> None:
    def drop(name: str) -> Any:
        return lambda fields: fields.__setitem__(slice(None), [f for f in fields if f.name != name])

    updated = v2("foo.baz").update_schema(FOO_BAR_BAZ, drop("baz"))
    assert [f.name for f in updated.field("foo").schema.fields] == ["bar"], "the nested field is removed"
    assert FOO_BAR_BAZ.field("foo").schema.field("baz") is not None, "the input schema is unchanged"
    assert v2("x.y").update_schema(FOO, drop("y")) is FOO, "a missing parent leaves the schema as it is"
    created = v2("x.y").update_schema(
        FOO, lambda fields: fields.append(Field("y", INT32_SCHEMA)), create=True
    )
    assert created.field("x").schema == Schema(
        SchemaType.STRUCT, optional=True, fields=(Field("y", INT32_SCHEMA),)
    ), "a created parent is an optional struct"
    with pytest.raises(DataError, match=r"Only Struct objects supported for \[nested field access\]"):
        v2("foo.bar.x").update_schema(FOO, drop("x"))


def test_conform_fills_and_drops_fields() -> None:
    value = {"foo": {"bar": 1, "extra": 2}, "gone": 3}
    assert conform(value, FOO_BAR_BAZ) == {"foo": {"bar": 1, "baz": None}}, "the value follows the schema"
    assert conform(None, FOO) is None, "a null struct stays null"


# --- shared helpers ------------------------------------------------------------------------------


def test_requirements_messages() -> None:
    with pytest.raises(
        DataError, match=r"^Only Map objects supported in absence of schema for \[p\], found: int$"
    ):
        require_map(1, "p")
    with pytest.raises(DataError, match=r"^Only Struct objects supported for \[p\], found: null$"):
        require_struct(None, FOO, "p")
    with pytest.raises(DataError, match=r"^Only SinkRecord supported for \[p\], found: SourceRecord$"):
        require_sink_record(SourceRecord("t", None), "p")
    sink = SinkRecord("t", 0, 5, None)
    assert require_sink_record(sink, "p") is sink, "a sink record passes"


def test_copy_schema_basics_makes_a_required_struct() -> None:
    source = Schema(
        SchemaType.STRUCT, optional=True, name="n", version=2, doc="d", default={}, parameters=(("k", "v"),)
    )
    copied = copy_schema_basics(source, [Field("a", INT32_SCHEMA)])
    assert (copied.name, copied.version, copied.doc, copied.parameters) == ("n", 2, "d", (("k", "v"),))
    assert not copied.optional and copied.default is None, "Kafka's rebuilt struct is required, no default"


def test_schema_cache_reuses_and_evicts() -> None:
    cache = SchemaCache(size=2)
    builds: list[Schema] = []

    def build(schema: Schema) -> Schema:
        builds.append(schema)
        return Schema(SchemaType.STRUCT, name=f"built-{len(builds)}")

    first = cache.get(FOO, build)
    assert cache.get(struct_schema(None, ("foo", BAR)), build) is first, "an equal schema hits the cache"
    cache.get(BAR, build)
    cache.get(BAZ, build)
    assert cache.get(FOO, build) is not first, "the least recently used entry was evicted"
    unhashable = Schema(SchemaType.STRUCT, optional=True, default={"a": 1})
    assert cache.get(unhashable, build).name == f"built-{len(builds)}", (
        "unhashable schemas are built each time"
    )


def test_non_empty_list_and_plain_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^Invalid value \[\] for configuration fields: Empty list$"):
        non_empty_list("fields", [])
    non_empty_list("fields", ["a"])
    error = plain_config_error("headers", "they differ")
    assert (str(error), error.name) == ("they differ", "headers"), "the message is kept as is, the key named"
