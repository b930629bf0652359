"""SetSchemaMetadata renames/re-versions the key or value schema (Kafka's SetSchemaMetadataTest cases)."""

from __future__ import annotations

import pytest

from connectd.api import ConfigError, DataError
from connectd.api.records import SinkRecord
from connectd.api.schema import (
    INT32_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaType,
    struct_schema,
)
from connectd.transforms.set_schema_metadata import (
    SetSchemaMetadata,
    SetSchemaMetadataKey,
    SetSchemaMetadataValue,
)

EMPTY_STRUCT = Schema(SchemaType.STRUCT)


def smt(config: dict[str, str], cls: type[SetSchemaMetadata] = SetSchemaMetadataValue) -> SetSchemaMetadata:
    transformation = cls()
    transformation.configure(config)
    return transformation


@pytest.mark.parametrize(
    ("config", "name", "version"),
    [
        ({"schema.name": "foo"}, "foo", None),
        ({"schema.version": "42"}, None, 42),
        ({"schema.name": "foo", "schema.version": "42"}, "foo", 42),
    ],
)
def test_sets_name_and_or_version(config: dict[str, str], name: str | None, version: int | None) -> None:
    result = smt(config).apply(SinkRecord("", 0, 0, None, value_schema=EMPTY_STRUCT))
    assert result.value_schema is not None, "expected an updated schema"
    assert (result.value_schema.name, result.value_schema.version) == (name, version), (
        f"expected name {name!r} and version {version!r}, got {result.value_schema}"
    )


def test_struct_value_keeps_its_fields_under_the_renamed_schema() -> None:
    schema = struct_schema("my.orig.SchemaDefn", ("f1", STRING_SCHEMA), ("f2", INT32_SCHEMA))
    value = {"f1": "value1", "f2": 1}
    result = smt({"schema.name": "foo", "schema.version": "42"}).apply(
        SinkRecord("", 0, 0, value, value_schema=schema)
    )
    assert result.value_schema == Schema(SchemaType.STRUCT, name="foo", version=42, fields=schema.fields), (
        f"expected only the name and version changed, got {result.value_schema}"
    )
    assert result.value == value and result.value is not value, "expected an equal copy of the struct"


@pytest.mark.parametrize(("replace", "expected"), [("false", None), ("true", "default")])
def test_null_field_with_default_follows_replace_null_with_default(
    replace: str, expected: str | None
) -> None:
    schema = struct_schema(
        "my.orig.SchemaDefn",
        ("f1", Schema(SchemaType.STRING, optional=True, default="default")),
        ("f2", INT32_SCHEMA),
    )
    config = {"schema.name": "foo", "schema.version": "42", "replace.null.with.default": replace}
    result = smt(config).apply(SinkRecord("", 0, 0, {"f1": None, "f2": 1}, value_schema=schema))
    assert result.value == {"f1": expected, "f2": 1}, f"expected f1={expected!r} with replace={replace}"


def test_other_schema_parts_are_kept() -> None:
    schema = Schema(
        SchemaType.MAP, optional=True, name="old", version=1, doc="d", default={"a": 1},
        parameters=(("p", "v"),), key_schema=STRING_SCHEMA, value_schema=INT32_SCHEMA,
    )  # fmt: skip
    result = smt({"schema.name": "new"}).apply(SinkRecord("", 0, 0, {"a": 2}, value_schema=schema))
    expected = Schema(
        SchemaType.MAP, optional=True, name="new", version=1, doc="d", default={"a": 1},
        parameters=(("p", "v"),), key_schema=STRING_SCHEMA, value_schema=INT32_SCHEMA,
    )  # fmt: skip
    assert result.value_schema == expected, f"expected only the name changed, got {result.value_schema}"
    assert result.value == {"a": 2}, "expected a map value unchanged"


def test_key_variant_works_on_the_key() -> None:
    record = SinkRecord("", 0, 0, "v", key=7, key_schema=INT32_SCHEMA, value_schema=STRING_SCHEMA)
    result = smt({"schema.name": "k"}, SetSchemaMetadataKey).apply(record)
    assert result.key_schema == Schema(SchemaType.INT32, name="k") and result.key == 7, (
        "expected the key renamed"
    )
    assert result.value_schema is STRING_SCHEMA, "expected the value schema untouched"


def test_value_schema_required() -> None:
    with pytest.raises(DataError) as error:
        smt({"schema.name": "foo"}).apply(SinkRecord("", 0, 0, 42))
    assert str(error.value) == "Schema required for [updating schema metadata]", f"got {error.value}"


def test_record_with_null_value_and_schema_is_ignored() -> None:
    record = SinkRecord("", 0, 0, None)
    assert smt({"schema.name": "foo"}).apply(record) is record, "expected the record returned as it is"


def test_null_in_a_required_field_is_refused_as_kafkas_struct_refuses_it() -> None:
    schema = struct_schema(None, ("f", Schema(SchemaType.STRING, default="d")))
    transformation = smt({"schema.name": "foo", "replace.null.with.default": "false"})
    with pytest.raises(DataError, match='null used for required field: "f", schema type: STRING'):
        transformation.apply(SinkRecord("", 0, 0, {"f": None}, value_schema=schema))


def test_update_schema_in_leaves_non_structs_alone() -> None:
    transformation = smt({"schema.name": "foo"})
    assert transformation.update_schema_in(1, INT32_SCHEMA) == 1, "expected a non-struct returned as it is"
    assert transformation.update_schema_in(None, INT32_SCHEMA) is None, "expected null returned as null"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "Neither schema name nor version configured"),
        (
            {"schema.version": "x"},
            "Invalid value x for configuration schema.version: Not a number of type INT",
        ),
    ],
)
def test_bad_config_is_refused(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        SetSchemaMetadataValue().configure(config)
    assert str(error.value) == message, f"expected {message!r}, got {error.value}"
