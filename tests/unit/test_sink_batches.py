"""The sink runner hands a consumed batch to ``put`` at once: offsets follow the last message of each
partition, consumer errors are logged (fatal ones fail the task), topics are the user's names. A task
overriding ``put_batch`` gets the batch as columns when that is equivalent, the records otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, Message

from connectd.api.errors import ConnectError
from connectd.api.records import Header, SinkRecord, SinkRecordBatch, TopicPartition
from connectd.api.schema import OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, struct_schema
from connectd.api.task import SinkTask
from connectd.api.transforms import R, Transformation
from connectd.plugins.file_sink import FileStreamSinkTask
from connectd.runtime.converters import StringConverter
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errant_records import SinkErrantRecordReporter
from connectd.runtime.pipeline.errors import ErrorHandlingSettings, RecordErrorHandler
from connectd.runtime.pipeline.record_pipeline import SinkRecordPipeline
from connectd.runtime.pipeline.transformation_chain import TransformationChain, TransformationStage
from connectd.runtime.sink_runner import SinkTaskRunner
from connectd.runtime.status import MemoryStatusStore


class Collect(SinkTask):
    def __init__(self) -> None:
        self.batches: list[list[SinkRecord]] = []

    def version(self) -> str:
        return "1"

    def start(self, config: Mapping[str, str]) -> None:
        pass

    def put(self, records: list[SinkRecord]) -> None:
        self.batches.append(records)

    def stop(self) -> None:
        pass


class Columns(Collect):
    """A task that reads columns; what reaches ``put`` instead lands in ``batches``."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[SinkRecordBatch] = []

    def put_batch(self, batch: SinkRecordBatch) -> None:
        self.columns.append(batch)


class Unchanged(Transformation):
    def apply(self, record: R) -> R:
        return record


def runner(
    task: SinkTask, *, transform: bool = False, errant: bool = False, tolerate: bool = False
) -> SinkTaskRunner:
    errors = RecordErrorHandler(ErrorHandlingSettings(tolerate_all=tolerate), "t-0")
    chain = TransformationChain([TransformationStage("same", Unchanged())] if transform else [])
    pipeline = SinkRecordPipeline(chain, StringConverter(), StringConverter(), StringConverter(), errors)
    reporter = (
        SinkErrantRecordReporter(errors, "Columns", StringConverter(), StringConverter(), StringConverter())
        if errant
        else None
    )
    return SinkTaskRunner(
        TaskId("t", 0), task, {"topics": "in"}, worker_id="w", statuses=MemoryStatusStore(),
        consumer_config={}, pipeline=pipeline, errant_record_reporter=reporter, batch_size=500,
        offset_flush_interval_ms=60000,
    )  # fmt: skip


def message(
    partition: int,
    offset: int,
    value: bytes,
    topic: str = "in",
    key: bytes | None = None,
    headers: Any = None,
) -> Message:
    return Message(topic=topic, partition=partition, offset=offset, value=value, key=key, headers=headers,
                   timestamp=(1, 5))  # fmt: skip


def mixed() -> list[Message]:
    """Two partitions, two topics, keys, headers, and a message without a timestamp."""
    return [
        message(0, 7, b"a", key=b"k1", headers=[("h", b"x")]),
        message(1, 3, b"b"),
        Message(topic="in", partition=0, offset=8, value=b"c", timestamp=(0, -1)),
        message(0, 2, b"d", "other", key=b"k2"),
    ]


MIXED_RECORDS = [
    SinkRecord("in", 0, 7, "a", "k1", OPTIONAL_STRING_SCHEMA, OPTIONAL_STRING_SCHEMA, 5,
               [Header("h", "x", OPTIONAL_STRING_SCHEMA)]),
    SinkRecord("in", 1, 3, "b", None, None, OPTIONAL_STRING_SCHEMA, 5, []),
    SinkRecord("in", 0, 8, "c", None, None, OPTIONAL_STRING_SCHEMA, None, []),
    SinkRecord("other", 0, 2, "d", "k2", OPTIONAL_STRING_SCHEMA, OPTIONAL_STRING_SCHEMA, 5, []),
]  # fmt: skip


def test_a_batch_of_two_partitions_and_two_topics() -> None:
    task = Collect()
    r = runner(task)
    r._deliver([message(0, 7, b"a"), message(1, 3, b"b"), message(0, 8, b"c"), message(0, 2, b"d", "other")])
    assert [(x.topic, x.partition, x.offset, x.value) for x in task.batches[0]] == [
        ("in", 0, 7, "a"), ("in", 1, 3, "b"), ("in", 0, 8, "c"), ("other", 0, 2, "d"),
    ]  # fmt: skip
    assert r._current == {
        TopicPartition("in", 0): 9,
        TopicPartition("in", 1): 4,
        TopicPartition("other", 0): 3,
    }
    assert r.active_topics._seen == {"in", "other"}


def test_consumer_errors_are_skipped_and_a_fatal_one_fails_the_task() -> None:
    task = Collect()
    r = runner(task)
    transport = Message(topic="in", error=KafkaError(KafkaError._TRANSPORT))
    r._deliver([message(0, 1, b"a"), transport, message(0, 2, b"b")])
    assert [x.value for x in task.batches[0]] == ["a", "b"]
    assert r._current == {TopicPartition("in", 0): 3}
    fatal = Message(topic="in", error=KafkaError(KafkaError._FATAL, fatal=True))
    with pytest.raises(KafkaException):
        r._deliver([message(0, 3, b"c"), fatal])


def test_file_sink_writes_a_batch_of_lines_and_renders_other_values(tmp_path: Path) -> None:
    sink = FileStreamSinkTask()
    sink.start({"file": str(tmp_path / "out.txt")})
    sink.put([SinkRecord("t", 0, 0, "one"), SinkRecord("t", 0, 1, "two")])
    sink.put([SinkRecord("t", 0, 2, "three"), SinkRecord("t", 0, 3, {"a": 1}), SinkRecord("t", 0, 4, None)])
    sink.stop()
    assert (tmp_path / "out.txt").read_text() == "one\ntwo\nthree\n{a=1}\nnull\n"


def test_a_task_reading_columns_gets_them_and_commits_the_same_offsets() -> None:
    by_columns, by_records = Columns(), Collect()
    fast, slow = runner(by_columns), runner(by_records)
    fast._deliver(mixed())
    slow._deliver(mixed())
    assert by_columns.batches == [] and len(by_columns.columns) == 1
    batch = by_columns.columns[0]
    assert len(batch) == 4
    assert batch.topics == ["in", "in", "in", "other"]
    assert batch.partitions == [0, 1, 0, 0]
    assert batch.offsets == [7, 3, 8, 2]
    assert batch.values == ["a", "b", "c", "d"]
    assert batch.value_schemas == [OPTIONAL_STRING_SCHEMA] * 4
    assert (
        fast._current
        == slow._current
        == {
            TopicPartition("in", 0): 9,
            TopicPartition("in", 1): 4,
            TopicPartition("other", 0): 3,
        }
    )
    assert fast.active_topics._seen == slow.active_topics._seen == {"in", "other"}


def test_a_task_without_put_batch_gets_the_records_with_keys_timestamps_and_headers() -> None:
    task = Collect()
    runner(task)._deliver(mixed())
    assert task.batches == [MIXED_RECORDS]


def test_the_default_put_batch_hands_the_records_to_put() -> None:
    task = Collect()
    batch = SinkRecordBatch(["t", "t"], [0, 0], [1, 2], ["a", "b"], [STRING_SCHEMA, STRING_SCHEMA])
    task.put_batch(batch)
    assert task.batches == [[SinkRecord("t", 0, 1, "a", None, None, STRING_SCHEMA),
                             SinkRecord("t", 0, 2, "b", None, None, STRING_SCHEMA)]]  # fmt: skip


def test_the_records_of_a_batch_are_those_of_the_records_path() -> None:
    pipeline = runner(Collect())._pipeline
    messages = mixed()
    topics = ["in", "in", "in", "other"]
    batch = pipeline.process_columns(messages, topics, [0, 1, 0, 0], [7, 3, 8, 2])
    assert batch is not None
    assert batch.records() == pipeline.process_batch(messages, topics) == MIXED_RECORDS
    assert batch.records() is not batch.records()  # fresh each time: a task may change its own


@pytest.mark.parametrize("fallback", ["transform", "errant"])
def test_transforms_or_an_errant_reporter_hand_records_to_put(fallback: str) -> None:
    task = Columns()
    r = runner(task, transform=fallback == "transform", errant=fallback == "errant")
    r._deliver(mixed())
    assert task.columns == []
    assert task.batches == [MIXED_RECORDS]
    assert r._current == {
        TopicPartition("in", 0): 9,
        TopicPartition("in", 1): 4,
        TopicPartition("other", 0): 3,
    }


@pytest.mark.parametrize("bad", ["value", "key", "header"])
def test_a_converter_failure_goes_record_by_record_skipped_when_tolerated(bad: str) -> None:
    # Keys and headers too: a task reading values only must still see a bad key fail or be reported.
    invalid = b"\xff"
    broken = message(
        0, 8, invalid if bad == "value" else b"c", key=invalid if bad == "key" else None,
        headers=[("h", invalid)] if bad == "header" else None,
    )  # fmt: skip
    task = Columns()
    r = runner(task, tolerate=True)
    r._deliver([message(0, 7, b"a"), broken, message(0, 9, b"d")])
    assert task.columns == []
    assert [x.value for x in task.batches[0]] == ["a", "d"]
    assert r._pipeline.errors.counters.total_records_skipped == 1
    assert r._current == {TopicPartition("in", 0): 10}
    # Only the batch with the failure goes slowly: the next one is columns again.
    r._deliver([message(0, 10, b"e")])
    assert [b.values for b in task.columns] == [["e"]]
    with pytest.raises(ConnectError):
        runner(Columns())._deliver([message(0, 7, b"a"), broken])


def test_file_sink_put_batch_writes_the_values(tmp_path: Path) -> None:
    point = struct_schema("point", ("x", STRING_SCHEMA))
    sink = FileStreamSinkTask()
    sink.start({"file": str(tmp_path / "out.txt")})
    sink.put_batch(SinkRecordBatch(["t", "t"], [0, 0], [0, 1], ["one", "two"], [STRING_SCHEMA] * 2))
    sink.put_batch(SinkRecordBatch(["t"] * 3, [0] * 3, [2, 3, 4], ["three", {"x": "1"}, None],
                                   [STRING_SCHEMA, point, None]))  # fmt: skip
    sink.put_batch(SinkRecordBatch([], [], [], [], []))
    sink.stop()
    assert (tmp_path / "out.txt").read_text() == "one\ntwo\nthree\nStruct{x=1}\nnull\n"


def test_file_sink_gets_columns_from_the_runner(tmp_path: Path) -> None:
    sink = FileStreamSinkTask()
    sink.start({"file": str(tmp_path / "out.txt")})
    runner(sink)._deliver([message(0, 0, b"one"), message(0, 1, b"two")])
    sink.stop()
    assert (tmp_path / "out.txt").read_text() == "one\ntwo\n"
