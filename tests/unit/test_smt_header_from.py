"""HeaderFrom$Key/$Value: Kafka's HeaderFromTest table (key and value, with and without schemas),
config errors, and V2 paths."""

from __future__ import annotations

from typing import Any

import pytest

from connectd.api.errors import ConfigError, DataError, MissingConfigError
from connectd.api.records import Header, SourceRecord
from connectd.api.schema import STRING_SCHEMA, Field, Schema, SchemaType, struct_schema
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.header_from import HeaderFrom, HeaderFromKey, HeaderFromValue

DEFAULTED = Schema(SchemaType.STRING, optional=True, default="default")
STRUCT_VALUE = {"foo": "foo-value"}
FooStruct = struct_schema(None, ("foo", STRING_SCHEMA))
F1 = ("field1", STRING_SCHEMA, "field1-value")
F2 = ("field2", STRING_SCHEMA, "field2-value")
EXISTING = Header("header1", "existing-value", STRING_SCHEMA)
Fields = list[tuple[str, Schema, Any]]

# (description, fields in, config fields, config headers, operation, replace null, fields out,
#  headers added as (name, index of the source field in "fields in"))
CASES: list[tuple[str, Fields, str, str, str, bool, Fields, list[tuple[str, int]]]] = [
    ("basic copy", [F1, F2], "field1", "inserted1", "copy", True, [F1, F2], [("inserted1", 0)]),
    ("basic move", [F1, F2], "field1", "inserted1", "move", True, [F2], [("inserted1", 0)]),
    (
        "copy with struct value",
        [("field1", FooStruct, STRUCT_VALUE), F2],
        "field1",
        "inserted1",
        "copy",
        True,
        [("field1", FooStruct, STRUCT_VALUE), F2],
        [("inserted1", 0)],
    ),
    (
        "move with struct value",
        [("field1", FooStruct, STRUCT_VALUE), F2],
        "field1",
        "inserted1",
        "move",
        True,
        [F2],
        [("inserted1", 0)],
    ),
    (
        "two headers from same field",
        [F1, F2],
        "field1,field1",
        "inserted1,inserted2",
        "move",
        True,
        [F2],
        [("inserted1", 0), ("inserted2", 0)],
    ),
    (
        "two fields to same header",
        [F1, F2],
        "field1,field2",
        "inserted1,inserted1",
        "move",
        True,
        [],
        [("inserted1", 0), ("inserted1", 1)],
    ),
    (
        "copy null field without default",
        [("field1", DEFAULTED, "field1-value"), ("field2", DEFAULTED, None)],
        "field1,field2",
        "inserted1,inserted2",
        "copy",
        False,
        [("field1", DEFAULTED, "field1-value"), ("field2", DEFAULTED, None)],
        [("inserted1", 0), ("inserted2", 1)],
    ),
    (
        "move null field without default",
        [("field1", DEFAULTED, "field1-value"), ("field2", DEFAULTED, None)],
        "field1,field2",
        "inserted1,inserted2",
        "move",
        False,
        [],
        [("inserted1", 0), ("inserted2", 1)],
    ),
]
IDS = [case[0] for case in CASES]


def make(key: bool, **config: Any) -> HeaderFrom:
    xform: HeaderFrom = HeaderFromKey() if key else HeaderFromValue()
    xform.configure(config)
    return xform


def make_record(key: bool, schema: Schema | None, value: Any, headers: list[Header]) -> SourceRecord:
    if key:
        return SourceRecord(
            "topic", "value", key=value, key_schema=schema, partition=0, timestamp=0, headers=headers
        )
    return SourceRecord(
        "topic", value, key="key", value_schema=schema, partition=0, timestamp=0, headers=headers
    )


def struct_of(fields: Fields) -> Schema:
    return Schema(SchemaType.STRUCT, fields=tuple(Field(name, schema) for name, schema, _ in fields))


@pytest.mark.parametrize("key", [True, False], ids=["key", "value"])
@pytest.mark.parametrize(
    ("desc", "fields_in", "fields", "headers", "op", "replace", "fields_out", "added"), CASES, ids=IDS
)
def test_schemaless(
    key: bool,
    desc: str,
    fields_in: Fields,
    fields: str,
    headers: str,
    op: str,
    replace: bool,
    fields_out: Fields,
    added: list[tuple[str, int]],
) -> None:
    xform = make(
        key, fields=fields, headers=headers, operation=op, **{"replace.null.with.default": str(replace)}
    )
    existing = [Header(EXISTING.key, EXISTING.value, None)]
    original = make_record(key, None, {n: v for n, _, v in fields_in}, existing)
    result = xform.apply(original)
    expected = make_record(key, None, {n: v for n, _, v in fields_out}, existing)
    expected.headers = [*existing, *(Header(h, fields_in[i][2], None) for h, i in added)]
    assert result == expected, f"{desc}: schemaless headers carry no schema"
    assert original.headers == existing, f"{desc}: the input headers list is not mutated"


@pytest.mark.parametrize("key", [True, False], ids=["key", "value"])
@pytest.mark.parametrize(
    ("desc", "fields_in", "fields", "headers", "op", "replace", "fields_out", "added"), CASES, ids=IDS
)
def test_with_schema(
    key: bool,
    desc: str,
    fields_in: Fields,
    fields: str,
    headers: str,
    op: str,
    replace: bool,
    fields_out: Fields,
    added: list[tuple[str, int]],
) -> None:
    xform = make(
        key, fields=fields, headers=headers, operation=op, **{"replace.null.with.default": str(replace)}
    )
    original = make_record(key, struct_of(fields_in), {n: v for n, _, v in fields_in}, [EXISTING])
    result = xform.apply(original)
    expected = make_record(key, struct_of(fields_out), {n: v for n, _, v in fields_out}, [EXISTING])
    expected.headers = [EXISTING, *(Header(h, fields_in[i][2], fields_in[i][1]) for h, i in added)]
    assert result == expected, f"{desc}: headers carry the field schema"


def test_null_is_replaced_by_the_default_when_asked() -> None:
    schema = struct_schema(None, ("f", DEFAULTED))
    result = make(False, fields="f", headers="h", operation="copy").apply(
        make_record(False, schema, {"f": None}, [])
    )
    assert result.headers == [Header("h", "default", DEFAULTED)], "replace.null.with.default defaults to true"


def test_moved_schema_is_cached_and_required() -> None:
    schema = struct_schema("n", ("a", STRING_SCHEMA), ("b", STRING_SCHEMA), optional=True)
    xform = make(False, fields="a", headers="h", operation="move")
    first = xform.apply(make_record(False, schema, {"a": "1", "b": "2"}, [])).value_schema
    assert xform.apply(make_record(False, schema, {"a": "3", "b": "4"}, [])).value_schema is first, "cached"
    assert (first.name, first.optional) == ("n", False), "basics copied; Kafka's rebuilt struct is required"


def test_errors_on_records() -> None:
    for op in ("move", "copy"):
        with pytest.raises(
            DataError, match=rf"^Only Map objects supported in absence of schema for \[header {op}\]"
        ):
            make(False, fields="a", headers="h", operation=op).apply(make_record(False, None, None, []))
        with pytest.raises(
            DataError, match=rf"^Only Struct objects supported for \[header {op}\], found: str$"
        ):
            make(False, fields="a", headers="h", operation=op).apply(
                make_record(False, STRING_SCHEMA, "x", [])
            )
    with pytest.raises(DataError, match=r"^Unknown field: missing$"):
        make(False, fields="missing", headers="h", operation="copy").apply(
            make_record(False, struct_schema(None, ("a", STRING_SCHEMA)), {"a": "x"}, [])
        )


@pytest.mark.parametrize("key", [True, False])
def test_config_errors(key: bool) -> None:
    for fields, headers in (("foo", "foo,bar"), ("foo,bar", "foo")):
        with pytest.raises(ConfigError) as caught:
            make(key, fields=fields, headers=headers, operation="copy")
        assert (
            str(caught.value) == "'fields' config must have the same number of elements as 'headers' config."
        )
    with pytest.raises(ConfigError, match=r"^Invalid value \[\] for configuration fields: Empty list$"):
        make(key, fields="", headers="", operation="copy")
    with pytest.raises(
        ConfigError,
        match=r"^Invalid value cut for configuration operation: String must be one of: move, copy$",
    ):
        make(key, fields="a", headers="h", operation="cut")
    with pytest.raises(MissingConfigError):
        make(key, fields="a", headers="h")


# --- V2 paths ------------------------------------------------------------------------------------

META = struct_schema(None, ("trace", STRING_SCHEMA), ("user", STRING_SCHEMA), optional=True)
EVENT = struct_schema("Event", ("id", STRING_SCHEMA), ("meta", META))
EVENT_VALUE = {"id": "1", "meta": {"trace": "t-1", "user": "u"}}
V2 = {"field.syntax.version": "V2"}


def test_v2_move_nested_with_schema() -> None:
    xform = make(False, fields="meta.trace", headers="trace", operation="move", **V2)
    result = xform.apply(make_record(False, EVENT, EVENT_VALUE, []))
    assert result.headers == [Header("trace", "t-1", STRING_SCHEMA)], "the nested value goes to the header"
    meta = result.value_schema.field("meta").schema
    assert [f.name for f in meta.fields] == ["user"] and meta.optional, "and leaves the nested struct"
    assert result.value == {"id": "1", "meta": {"user": "u"}}
    assert EVENT_VALUE == {"id": "1", "meta": {"trace": "t-1", "user": "u"}}, "the input is not mutated"
    null_meta = xform.apply(make_record(False, EVENT, {"id": "2", "meta": None}, []))
    assert (null_meta.headers[0].value, null_meta.value["meta"]) == (None, None), "a null parent: null header"


def test_v2_copy_and_move_schemaless() -> None:
    value = {"id": "1", "meta.x": {"trace": "t-1"}, "meta": {"trace": "other"}}
    copied = make(True, fields="`meta.x`.trace", headers="h", operation="copy", **V2).apply(
        make_record(True, None, value, [])
    )
    assert copied.headers == [Header("h", "t-1", None)] and copied.key == value, "backticked step, copy"
    moved = make(True, fields="meta.trace,missing.x", headers="h,m", operation="move", **V2).apply(
        make_record(True, None, value, [])
    )
    assert moved.key == {"id": "1", "meta.x": {"trace": "t-1"}, "meta": {}}, "moved out of the nested map"
    assert moved.headers == [Header("h", "other", None), Header("m", None, None)], "a missing path gives null"


def test_plugin_metadata() -> None:
    assert HeaderFromValue().version() == BUILTIN_VERSION
    assert HeaderFromKey.aliases == ("org.apache.kafka.connect.transforms.HeaderFrom$Key",)
    assert HeaderFromValue.aliases == ("org.apache.kafka.connect.transforms.HeaderFrom$Value",)
    assert HeaderFromValue.config_def().names() == [
        "fields",
        "headers",
        "operation",
        "replace.null.with.default",
        "field.syntax.version",
    ], "Kafka's keys, in order, plus field.syntax.version"
