"""The sink runner hands a consumed batch to ``put`` at once: offsets follow the last message of each
partition, consumer errors are logged (fatal ones fail the task), topics are the user's names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException, Message

from connectd.api.records import SinkRecord, TopicPartition
from connectd.api.task import SinkTask
from connectd.plugins.file_sink import FileStreamSinkTask
from connectd.runtime.converters import StringConverter
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errors import ErrorHandlingSettings, RecordErrorHandler
from connectd.runtime.pipeline.record_pipeline import SinkRecordPipeline
from connectd.runtime.pipeline.transformation_chain import TransformationChain
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


def runner(task: SinkTask) -> SinkTaskRunner:
    errors = RecordErrorHandler(ErrorHandlingSettings(), "t-0")
    pipeline = SinkRecordPipeline(TransformationChain([]), StringConverter(), StringConverter(),
                                  StringConverter(), errors)  # fmt: skip
    return SinkTaskRunner(
        TaskId("t", 0), task, {"topics": "in"}, worker_id="w", statuses=MemoryStatusStore(),
        consumer_config={}, pipeline=pipeline, errant_record_reporter=None, batch_size=500,
        offset_flush_interval_ms=60000,
    )  # fmt: skip


def message(partition: int, offset: int, value: bytes, topic: str = "in") -> Message:
    return Message(topic=topic, partition=partition, offset=offset, value=value, timestamp=(1, 5))


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
