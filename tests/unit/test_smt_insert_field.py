"""InsertField$Key/$Value: Kafka's InsertFieldTest cases, offsets, config errors and V2 paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectd.api.errors import ConfigError, DataError
from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaType,
    struct_schema,
    timestamp_schema,
)
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.insert_field import InsertFieldKey, InsertFieldValue

ALL = {
    "topic.field": "topic_field!",
    "partition.field": "partition_field",
    "timestamp.field": "timestamp_field?",
    "static.field": "instance_id",
    "static.value": "my-instance-id",
}
OPTIONAL_INT32 = Schema(SchemaType.INT32, optional=True)
SIMPLE = Schema(
    SchemaType.STRUCT, name="name", version=1, doc="doc", fields=(Field("magic", OPTIONAL_INT64_SCHEMA),)
)


def value_xform(**config: Any) -> InsertFieldValue:
    xform = InsertFieldValue()
    xform.configure(config)
    return xform


def key_xform(**config: Any) -> InsertFieldKey:
    xform = InsertFieldKey()
    xform.configure(config)
    return xform


def source(value: Any, schema: Schema | None = None, **extra: Any) -> SourceRecord:
    return SourceRecord("test", value, value_schema=schema, partition=0, **extra)


def test_top_level_struct_required() -> None:
    with pytest.raises(
        DataError, match=r"^Only Struct objects supported for \[field insertion\], found: int$"
    ):
        value_xform(**{"topic.field": "topic_field"}).apply(source(42, INT32_SCHEMA))


def test_copy_schema_and_insert_configured_fields() -> None:
    xform = value_xform(**ALL)
    record = source({"magic": 42}, SIMPLE, timestamp=789)
    result = xform.apply(record)
    schema = result.value_schema
    assert (schema.name, schema.version, schema.doc) == ("name", 1, "doc"), "schema basics are copied"
    assert [(f.name, f.schema) for f in schema.fields] == [
        ("magic", OPTIONAL_INT64_SCHEMA),
        ("topic_field", STRING_SCHEMA),
        ("partition_field", OPTIONAL_INT32),
        ("timestamp_field", timestamp_schema(optional=True)),
        ("instance_id", OPTIONAL_STRING_SCHEMA),
    ], "inserted fields follow the original ones; ! is required, ? and no suffix optional"
    assert result.value == {
        "magic": 42,
        "topic_field": "test",
        "partition_field": 0,
        "timestamp_field": datetime(1970, 1, 1, 0, 0, 0, 789000, tzinfo=UTC),
        "instance_id": "my-instance-id",
    }, "a Timestamp field holds a UTC datetime"
    again = xform.apply(SourceRecord("test", {"magic": None}, value_schema=SIMPLE, partition=1))
    assert again.value_schema is schema, "the updated schema is cached per input schema"
    assert again.value["timestamp_field"] is None, "no record timestamp, no value"
    assert record.value == {"magic": 42}, "the input value is not mutated"


def test_schemaless_insert_configured_fields() -> None:
    result = value_xform(**ALL).apply(source({"magic": 42}, timestamp=123))
    assert result.value_schema is None, "schemaless stays schemaless"
    assert result.value == {
        "magic": 42,
        "topic_field": "test",
        "partition_field": 0,
        "timestamp_field": 123,
        "instance_id": "my-instance-id",
    }, "without a schema the timestamp stays epoch milliseconds"


@pytest.mark.parametrize("schema", [None, SIMPLE])
def test_tombstone_value_is_left_unchanged(schema: Schema | None) -> None:
    record = source(None, schema)
    assert value_xform(**ALL).apply(record) is record, "a null value passes through"


def test_insert_key_fields_into_tombstone_event() -> None:
    record = SourceRecord("test", None, key={"magic": 42}, partition=0)
    result = key_xform(**ALL).apply(record)
    assert result.key == {
        "magic": 42,
        "topic_field": "test",
        "partition_field": 0,
        "instance_id": "my-instance-id",
    }, "the key gets the fields; no timestamp, no timestamp field"
    assert result.value is None, "the value is untouched"


def test_insert_into_null_key_leaves_record_unchanged() -> None:
    record = SourceRecord("test", {"magic": 42}, key=None, partition=0)
    assert key_xform(**ALL).apply(record) is record, "a null key passes through"


@pytest.mark.parametrize(("replace", "expected"), [(False, None), (True, 42)])
def test_replace_null_with_default(replace: bool, expected: int | None) -> None:
    magic = Schema(SchemaType.INT64, optional=True, default=42)
    schema = struct_schema("name", ("magic_with_default", magic))
    xform = value_xform(**ALL, **{"replace.null.with.default": str(replace).lower()})
    result = xform.apply(source({"magic_with_default": None}, schema, timestamp=789))
    assert result.value_schema.field("magic_with_default").schema == magic, "the field schema is kept"
    assert result.value["magic_with_default"] == expected, f"replace.null.with.default={replace}"


def test_offset_for_sink_records_only() -> None:
    xform = value_xform(**{"offset.field": "offset!"})
    sink = SinkRecord("t", 3, 1234, {"a": 1}, value_schema=struct_schema(None, ("a", INT32_SCHEMA)))
    result = xform.apply(sink)
    assert result.value_schema.field("offset").schema == INT64_SCHEMA, "a required int64 offset field"
    assert result.value == {"a": 1, "offset": 1234}, "the Kafka offset is inserted"
    assert xform.apply(SinkRecord("t", 3, 7, {"a": 1})).value == {"a": 1, "offset": 7}, "schemaless too"
    for schema in (None, struct_schema(None, ("a", INT32_SCHEMA))):
        with pytest.raises(
            DataError, match=r"^Only SinkRecord supported for \[field insertion\], found: SourceRecord$"
        ):
            xform.apply(source({"a": 1}, schema))


def test_partition_left_out_when_unknown() -> None:
    record = SourceRecord("test", {"a": 1}, partition=None)
    assert value_xform(**{"partition.field": "p"}).apply(record).value == {"a": 1}, "no partition, no field"


def test_inserting_an_existing_field_name_fails_with_a_schema() -> None:
    schema = struct_schema(None, ("topic", STRING_SCHEMA))
    with pytest.raises(DataError, match=r"^Cannot create field because of field name duplication topic$"):
        value_xform(**{"topic.field": "topic"}).apply(source({"topic": "x"}, schema))
    assert value_xform(**{"topic.field": "topic"}).apply(source({"topic": "x"})).value == {"topic": "test"}, (
        "without a schema the entry is overwritten, as Kafka's map put does"
    )


def test_root_struct_comes_out_required() -> None:
    schema = struct_schema("n", ("a", INT32_SCHEMA), optional=True)
    result = value_xform(**{"topic.field": "t"}).apply(source({"a": 1}, schema))
    assert not result.value_schema.optional, "Kafka rebuilds the struct as a required one"


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"^No field insertion configured$"):
        value_xform()
    with pytest.raises(ConfigError) as caught:
        value_xform(**{"static.field": "s!"})
    assert caught.value.name == "static.value", "a static field needs a value"
    assert str(caught.value) == (
        "Invalid value null for configuration static.value: No value specified for static field: s"
    )
    with pytest.raises(ConfigError) as caught:
        value_xform(**{"topic.field": "`a.b", "field.syntax.version": "v2"})
    assert caught.value.name == "topic.field", "a bad V2 path names its key"


# --- V2 paths ------------------------------------------------------------------------------------

META = struct_schema(None, ("source", STRING_SCHEMA), optional=True)
NESTED = struct_schema("rec", ("id", INT32_SCHEMA), ("meta", META))
V2 = {"field.syntax.version": "V2"}


def test_v2_inserts_into_an_existing_struct() -> None:
    xform = value_xform(**{"topic.field": "meta.topic!", "partition.field": "meta.`p.n`"}, **V2)
    result = xform.apply(source({"id": 1, "meta": {"source": "db"}}, NESTED))
    meta = result.value_schema.field("meta").schema
    assert [(f.name, f.schema) for f in meta.fields] == [
        ("source", STRING_SCHEMA),
        ("topic", STRING_SCHEMA),
        ("p.n", OPTIONAL_INT32),
    ], "fields are added to the nested struct; a backticked step is one name"
    assert meta.optional, "the nested struct keeps its optionality"
    assert result.value == {"id": 1, "meta": {"source": "db", "topic": "test", "p.n": 0}}


def test_v2_null_parent_stays_null() -> None:
    result = value_xform(**{"topic.field": "meta.topic"}, **V2).apply(source({"id": 1, "meta": None}, NESTED))
    assert result.value == {"id": 1, "meta": None}, "nothing is inserted into a null struct"
    assert result.value_schema.field("meta").schema.field("topic") is not None, "the schema still has it"


def test_v2_creates_missing_parents() -> None:
    xform = value_xform(**{"topic.field": "kafka.topic", "partition.field": "kafka.partition"}, **V2)
    result = xform.apply(source({"id": 1}, struct_schema(None, ("id", INT32_SCHEMA))))
    assert result.value_schema.field("kafka").schema == Schema(
        SchemaType.STRUCT,
        optional=True,
        fields=(Field("topic", OPTIONAL_STRING_SCHEMA), Field("partition", OPTIONAL_INT32)),
    ), "a missing parent becomes an optional struct"
    assert result.value == {"id": 1, "kafka": {"topic": "test", "partition": 0}}
    schemaless = xform.apply(source({"id": 1}))
    assert schemaless.value == {"id": 1, "kafka": {"topic": "test", "partition": 0}}, "maps too"


def test_v2_schemaless_nested_and_null_parent() -> None:
    xform = value_xform(**{"static.field": "a.b.s", "static.value": "v"}, **V2)
    value = {"a": {"b": {"x": 1}}}
    assert xform.apply(source(value)).value == {"a": {"b": {"x": 1, "s": "v"}}}, "inserted two levels down"
    assert value == {"a": {"b": {"x": 1}}}, "the input map is not mutated"
    assert xform.apply(source({"a": None})).value == {"a": None}, "a null parent stays null"
    with pytest.raises(DataError, match="nested field access"):
        xform.apply(source({"a": 5}))


def test_v1_takes_a_dotted_name_literally() -> None:
    result = value_xform(**{"topic.field": "meta.topic"}).apply(source({"id": 1}))
    assert result.value == {"id": 1, "meta.topic": "test"}, "V1 names a root field 'meta.topic'"


def test_plugin_metadata() -> None:
    assert InsertFieldValue().version() == BUILTIN_VERSION
    assert InsertFieldKey.aliases == ("org.apache.kafka.connect.transforms.InsertField$Key",)
    assert InsertFieldValue.aliases == ("org.apache.kafka.connect.transforms.InsertField$Value",)
    assert InsertFieldValue.config_def().names() == [
        "topic.field",
        "partition.field",
        "offset.field",
        "timestamp.field",
        "static.field",
        "static.value",
        "replace.null.with.default",
        "field.syntax.version",
    ], "Kafka's keys, in order, plus field.syntax.version"
