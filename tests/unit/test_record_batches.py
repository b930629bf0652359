"""The batch forms of the record pipeline give what the record-by-record forms give: converters,
the transformation chain (in place only on the runtime's own records), both pipelines."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from confluent_kafka import Message

from connectd.api.errors import DataError
from connectd.api.records import Header, SourceRecord
from connectd.api.schema import STRING_SCHEMA, Field, Schema, SchemaType
from connectd.api.transforms import R, Transformation
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.converters import ByteArrayConverter, JsonConverter, StringConverter
from connectd.runtime.pipeline.errors import ErrorHandlingSettings, RecordErrorHandler
from connectd.runtime.pipeline.record_pipeline import SinkRecordPipeline, SourceRecordPipeline, outgoing
from connectd.runtime.pipeline.transformation_chain import TransformationChain, build_chain

SMT = "org.apache.kafka.connect.transforms."
CHAIN = {
    "transforms": "hoist,insert,rename,extract",
    "transforms.hoist.type": SMT + "HoistField$Value",
    "transforms.hoist.field": "line",
    "transforms.insert.type": SMT + "InsertField$Value",
    "transforms.insert.static.field": "origin",
    "transforms.insert.static.value": "test",
    "transforms.rename.type": SMT + "ReplaceField$Value",
    "transforms.rename.renames": "line:text",
    "transforms.extract.type": SMT + "ExtractField$Value",
    "transforms.extract.field": "text",
}


def json_converter(schemas: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": str(schemas).lower()}, False)
    return converter


STRUCT = Schema(
    SchemaType.STRUCT,
    fields=(
        Field("s", STRING_SCHEMA),
        Field("i", Schema(SchemaType.INT32)),
        Field("f", Schema(SchemaType.FLOAT64)),
        Field("b", Schema(SchemaType.BOOLEAN)),
        Field("o", Schema(SchemaType.STRING, optional=True)),
    ),
)
BATCHES: list[tuple[Schema | None, list[Any]]] = [
    (STRING_SCHEMA, ["plain", 'q"uote\\', "é\u2028", ""]),
    (Schema(SchemaType.INT64), [0, -5, 2**70]),
    (Schema(SchemaType.FLOAT64), [0.1, 1e300, float("inf")]),
    (Schema(SchemaType.BOOLEAN), [True, False]),
    (
        STRUCT,
        [
            {"s": "x", "i": 1, "f": 0.5, "b": True, "o": "y"},
            {"s": "é", "i": -2, "f": 2.0, "b": False, "o": None},
        ],
    ),
    (STRUCT, [{"s": "x", "i": 1, "f": 0.5, "b": True, "o": "y", "extra": 1}]),
    (None, [{"a": [1, 2]}, "text", None]),
    (Schema(SchemaType.STRING, optional=True), ["a", None]),
]


@pytest.mark.parametrize("schemas", [True, False])
@pytest.mark.parametrize(("schema", "values"), BATCHES)
def test_json_batches_match_value_by_value(schemas: bool, schema: Schema | None, values: list[Any]) -> None:
    converter = json_converter(schemas)
    assert converter.from_connect_batch("t", schema, values) == [
        converter.from_connect("t", schema, v) for v in values
    ]


def test_string_and_bytes_batches_match_value_by_value() -> None:
    string = StringConverter()
    assert string.from_connect_batch("t", None, ["a", 1, None]) == [b"a", b"1", None]
    one_by_one = [string.to_connect("t", b"a"), string.to_connect("t", None)]
    assert string.to_connect_batch("t", [b"a", None]) == ([c.schema for c in one_by_one], ["a", None])
    with pytest.raises(DataError):
        string.to_connect_batch("t", [b"ok", b"\xff"])
    raw = ByteArrayConverter()
    schemas, values = raw.to_connect_batch("t", [b"x", None])
    assert values == [b"x", None] and schemas == [raw.to_connect("t", b"x").schema] * 2


def polled(count: int) -> list[SourceRecord]:
    partition = {"f": "a"}
    return [
        SourceRecord("t", f"line {i}", None, partition, {"position": i}, None, None, STRING_SCHEMA)
        for i in range(count)
    ]


def test_the_chain_in_a_batch_matches_record_by_record_and_leaves_polled_records_alone() -> None:
    chain = build_chain(CHAIN, PluginRegistry.discover())
    records = polled(5)
    before = copy.deepcopy(records)
    for _ in range(2):  # the second batch takes the SMTs' cached-schema paths
        batch = chain.apply_batch(records)
        one_by_one = [chain.apply(r, lambda stage, op, arg: op(arg)) for r in records]
        assert batch == one_by_one
        assert records == before, "the polled records are the task's: never changed"
    assert [r.value for r in batch] == [f"line {i}" for i in range(5)]  # type: ignore[union-attr]


def test_the_runtimes_own_records_are_transformed_in_place() -> None:
    chain = build_chain(CHAIN, PluginRegistry.discover())
    chain.apply_batch(polled(2))
    own = polled(2)
    out = chain.apply_batch(own, owned=True)
    assert [id(r) for r in out] == [id(r) for r in own]
    assert own[0].value == "line 0" and own[0].value_schema == STRING_SCHEMA


class KeepsRecords(Transformation):
    """A user SMT that returns records it also keeps: nothing after it may change them in place."""

    def __init__(self) -> None:
        self.kept: list[Any] = []

    def apply(self, record: R) -> R:
        self.kept.append(record)
        return record


def test_records_from_a_transformation_that_keeps_them_are_not_changed_in_place() -> None:
    registry = PluginRegistry.discover()
    keeper = KeepsRecords()
    chain = build_chain(CHAIN, registry)
    chain.stages.insert(1, type(chain.stages[0])("keep", keeper))
    for _ in range(2):
        chain.apply_batch(polled(3))
    assert [r.value for r in keeper.kept] == [{"line": f"line {i}"} for i in range(3)] * 2


def source_pipeline(chain: TransformationChain, tolerate: bool = False) -> SourceRecordPipeline:
    return SourceRecordPipeline(
        chain, StringConverter(), StringConverter(), StringConverter(),
        RecordErrorHandler(ErrorHandlingSettings(tolerate_all=tolerate), "t-0"),
    )  # fmt: skip


def test_a_source_batch_of_mixed_records_converts_as_one_by_one() -> None:
    pipeline = source_pipeline(TransformationChain([]))
    records = [
        *polled(2),
        SourceRecord("u", "v", "k", None, None, 3, STRING_SCHEMA, STRING_SCHEMA, 99, [Header("h", "x")]),
    ]
    expected = [("t", b"line 0", None, -1, 0, None, "t"), ("t", b"line 1", None, -1, 0, None, "t"),
                ("u", b"v", b"k", 3, 99, [("h", b"x")], "u")]  # fmt: skip
    assert outgoing(pipeline.process_batch(records)) == expected
    assert [pipeline.process(r) for r in records] == expected


class FailsOnOdd(Transformation):
    def apply(self, record: R) -> R:
        if str(record.value).endswith(("1", "3")):
            raise DataError("odd")
        return record


def test_a_failing_record_is_skipped_alone_when_tolerated_and_fails_the_batch_otherwise() -> None:
    from connectd.runtime.pipeline.transformation_chain import TransformationStage

    chain = TransformationChain([TransformationStage("odd", FailsOnOdd())])
    out = outgoing(source_pipeline(chain, tolerate=True).process_batch(polled(4)))
    assert [o[1] if o else None for o in out] == [b"line 0", None, b"line 2", None]
    with pytest.raises(Exception, match="Tolerance exceeded"):
        source_pipeline(chain).process_batch(polled(4))


def message(value: bytes | None, offset: int, key: bytes | None = None, headers: Any = None) -> Message:
    return Message(topic="kafka-t", partition=1, offset=offset, key=key, value=value, headers=headers,
                   timestamp=(1, 1000 + offset))  # fmt: skip


def sink_pipeline(chain: TransformationChain) -> SinkRecordPipeline:
    errors = RecordErrorHandler(ErrorHandlingSettings(), "t-0")
    return SinkRecordPipeline(chain, StringConverter(), StringConverter(), StringConverter(), errors)


@pytest.mark.parametrize("smts", [False, True])
def test_a_sink_batch_converts_and_transforms_as_one_by_one(smts: bool) -> None:
    chain = build_chain(CHAIN, PluginRegistry.discover()) if smts else TransformationChain([])
    batches = [
        [message(b"a", 0), message(b"b", 1)],
        [message(b"a", 2), message(b"b", 3, b"k", [("h", b"x")]), message(None, 4)],
    ]
    for messages in batches:
        expected = [sink_pipeline(chain).process(m, "t") for m in messages]
        assert sink_pipeline(chain).process_batch(messages, ["t"] * len(messages)) == expected
    record = expected[1]
    assert record is not None
    assert (record.value, record.key, record.offset, record.timestamp) == ("b", "k", 3, 1003)
    assert [(h.key, h.value) for h in record.headers] == [("h", "x")]
